"""The environment of every function, validated once at cold start (template.yaml sets it)."""

from __future__ import annotations

import os
from functools import cache

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator


class ServiceSettings(BaseModel):
    model_config = ConfigDict(populate_by_name=True, frozen=True, extra="ignore")

    table_name: str = Field(alias="MISSION_TABLE")
    event_bus_name: str = Field(default="", alias="EVENT_BUS_NAME")
    ads_base_url: str = Field(default="", alias="ADS_BASE_URL")
    # Deployed: the name of an SSM SecureString read through Powertools Parameters (cached).
    ads_access_token_parameter: str = Field(default="", alias="ADS_ACCESS_TOKEN_PARAMETER")
    # Where no parameter store exists (the local stack): the token itself.
    ads_access_token: SecretStr = Field(default=SecretStr(""), alias="ADS_ACCESS_TOKEN")
    ads_connect_timeout_seconds: float = Field(default=2.0, alias="ADS_CONNECT_TIMEOUT_SECONDS", gt=0)
    ads_read_timeout_seconds: float = Field(default=5.0, alias="ADS_READ_TIMEOUT_SECONDS", gt=0)
    # The Ads app's quota for the whole fleet (0: none), kept by all containers together (ads_quota.py):
    # calls a wall-clock second, a wall-clock minute, a UTC day; and the lower limits of some endpoints
    # (`create_campaign=5/300/0,...`).
    ads_quota_per_second: int = Field(default=0, alias="ADS_QUOTA_PER_SECOND", ge=0)
    ads_quota_per_minute: int = Field(default=0, alias="ADS_QUOTA_PER_MINUTE", ge=0)
    ads_quota_per_day: int = Field(default=0, alias="ADS_QUOTA_PER_DAY", ge=0)
    ads_endpoint_quotas: str = Field(default="", alias="ADS_ENDPOINT_QUOTAS", pattern=r"^[a-z_=/0-9,]*$")
    # How long a call may wait for its moment before it counts as refused: short where a seller waits, but
    # long enough for the next second or two with room.
    ads_max_wait_seconds: float = Field(default=3.0, alias="ADS_MAX_WAIT_SECONDS", ge=0)
    retry_shards: int = Field(default=8, alias="RETRY_SHARDS", ge=1, le=64)
    auto_creation_function: str = Field(default="", alias="AUTO_CREATION_FUNCTION")
    function_name: str = Field(default="", alias="AWS_LAMBDA_FUNCTION_NAME")  # the function's own, set by Lambda
    operator_principal_arns: frozenset[str] = Field(default=frozenset(), alias="OPERATOR_PRINCIPAL_ARNS")
    clock_file: str = Field(default="", alias="SERVICE_CLOCK_FILE")
    # The customer-managed key voucher codes are sealed under (issue 24): the reward granting encrypts, the
    # seller's reward read decrypts.
    voucher_key_id: str = Field(default="", alias="VOUCHER_KEY_ID")
    # The activity handler's queue and where refused activity goes (issue 24).
    ingestion_queue_url: str = Field(default="", alias="INGESTION_QUEUE_URL")
    ingestion_dead_letter_queue_url: str = Field(default="", alias="INGESTION_DEAD_LETTER_QUEUE_URL")

    @field_validator("operator_principal_arns", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(v.strip() for v in value.split(",") if v.strip())
        return value


@cache
def load_settings() -> ServiceSettings:
    return ServiceSettings.model_validate(dict(os.environ))
