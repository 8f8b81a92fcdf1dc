"""The environment of every function, validated once at cold start (template.yaml sets it)."""

from __future__ import annotations

import os
from functools import cache

from pydantic import BaseModel, ConfigDict, Field, SecretStr


class ServiceSettings(BaseModel):
    model_config = ConfigDict(populate_by_name=True, frozen=True, extra="ignore")

    table_name: str = Field(alias="MISSION_TABLE")
    idempotency_table: str = Field(default="", alias="IDEMPOTENCY_TABLE")
    event_bus_name: str = Field(alias="EVENT_BUS_NAME")
    ads_base_url: str = Field(alias="ADS_BASE_URL")
    # Deployed: the name of an SSM SecureString read through Powertools Parameters (cached).
    ads_access_token_parameter: str = Field(default="", alias="ADS_ACCESS_TOKEN_PARAMETER")
    # Local only: the token itself.
    ads_access_token: SecretStr = Field(default=SecretStr(""), alias="ADS_ACCESS_TOKEN")
    ads_connect_timeout_seconds: float = Field(default=2.0, alias="ADS_CONNECT_TIMEOUT_SECONDS", gt=0)
    ads_read_timeout_seconds: float = Field(default=5.0, alias="ADS_READ_TIMEOUT_SECONDS", gt=0)
    # The Ads requests-per-second limit this container keeps (0: none), and how long a call may wait for
    # its slot before it counts as throttled: short where a seller waits, longer for background work.
    ads_requests_per_second: float = Field(default=0, alias="ADS_REQUESTS_PER_SECOND", ge=0)
    ads_max_wait_seconds: float = Field(default=1.0, alias="ADS_MAX_WAIT_SECONDS", ge=0)
    retry_shards: int = Field(default=8, alias="RETRY_SHARDS", ge=1, le=64)
    stats_shards: int = Field(default=16, alias="STATS_SHARDS", ge=1, le=64)
    clock_file: str = Field(default="", alias="SERVICE_CLOCK_FILE")


@cache
def load_settings() -> ServiceSettings:
    return ServiceSettings.model_validate(dict(os.environ))
