"""The public contract (SPEC section 3) as pydantic models: what the app and operators send and read."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    StrictBool,
    StrictStr,
    model_validator,
)


def _decimal_to_json(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


# Money and rates travel as JSON numbers, and live as Decimal everywhere in between.
Money = Annotated[Decimal, PlainSerializer(_decimal_to_json, return_type=int | float, when_used="json")]
# Times travel as ISO 8601 with an explicit offset.
Timestamp = Annotated[AwareDatetime, PlainSerializer(lambda t: t.isoformat(), return_type=str, when_used="json")]


class Contract(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class Goals(Contract):
    gmv: Money = Field(ge=0, max_digits=18, decimal_places=2, description="GMV goal in the mission currency (W1)")
    live_minutes: int = Field(ge=0, le=1_000_000, description="LIVE duration goal in minutes (W1)")


class RewardDefinition(Contract):
    type: StrictStr = Field(min_length=1, max_length=64, examples=["LIVE_VOUCHER"])
    value: Money = Field(ge=0, max_digits=18, decimal_places=2)
    description: StrictStr = Field(default="", max_length=500)


class MissionDefinition(Contract):
    """What an operator sends to create or update a mission."""

    name: StrictStr = Field(min_length=1, max_length=200)
    country: StrictStr = Field(pattern=r"^[A-Z]{2}$", examples=["ID"])
    currency: StrictStr = Field(pattern=r"^[A-Z]{3}$", examples=["IDR"])
    terms_version: StrictStr = Field(min_length=1, max_length=64)
    industry: StrictStr = Field(
        default="", max_length=64, description="optional; sellers' own industry is used for ROI"
    )
    registration_opens_at: Timestamp
    registration_closes_at: Timestamp
    campaign_starts_at: Timestamp
    campaign_ends_at: Timestamp
    grace_period_days: int = Field(ge=0, le=90)
    goals: Goals
    reward: RewardDefinition

    @model_validator(mode="after")
    def _windows_are_ordered(self) -> MissionDefinition:
        if self.registration_closes_at <= self.registration_opens_at:
            raise ValueError("registration_closes_at must be after registration_opens_at")
        if self.campaign_ends_at <= self.campaign_starts_at:
            raise ValueError("campaign_ends_at must be after campaign_starts_at")
        return self


class Mission(MissionDefinition):
    mission_id: str
    updated_at: Timestamp | None = None


class MissionList(Contract):
    missions: list[Mission]


class Blocker(Contract):
    code: str
    title: str
    steps: list[str]


class Eligibility(Contract):
    eligible: bool
    blockers: list[Blocker]


class RegistrationRequest(Contract):
    accept_terms: StrictBool
    terms_version: StrictStr = Field(min_length=1, max_length=64)
    authorize_live_gmv_max: StrictBool


class AutoCreationStatus(StrEnum):
    PENDING = "PENDING"
    CREATED = "CREATED"
    SKIPPED_EXISTING_CAMPAIGN = "SKIPPED_EXISTING_CAMPAIGN"
    SKIPPED_WITHDRAWN = "SKIPPED_WITHDRAWN"
    SKIPPED_STOPPED = "SKIPPED_STOPPED"
    RETRYING = "RETRYING"
    FAILED = "FAILED"
    OPTED_OUT = "OPTED_OUT"


class CampaignOrigin(StrEnum):
    AUTO = "AUTO"
    MANUAL = "MANUAL"


class PromotionDays(Contract):
    enabled: bool
    roas_reduction_percent: Money
    budget_increase_percent: Money
    increase_limit: int
    starts_on: str | None = None
    ends_on: str | None = None


class Campaign(Contract):
    campaign_id: str
    origin: CampaignOrigin
    status: str
    advertiser_id: str | None = None
    campaign_name: str | None = None
    start_time_utc: Timestamp | None = None
    start_time_local: str | None = None
    timezone: str | None = None
    roas_bid: Money | None = None
    budget: Money | None = None
    promotion_days: PromotionDays | None = None
    key_live_mode: bool | None = None
    aigc_remix: bool | None = None
    creative_mode: str | None = None


class AutoCreation(Contract):
    status: AutoCreationStatus
    reason: str
    attempts: int
    next_attempt_at: Timestamp | None = None
    campaign: Campaign | None = None


class Registration(Contract):
    mission_id: str
    seller_id: str
    registered_at: Timestamp
    advertiser_id: str
    auto_creation: AutoCreation


def utc_iso(moment: datetime) -> str:
    """The sortable UTC form used in keys and indexes."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class BusEvent(BaseModel):
    """An EventBridge event as a Lambda target receives it: the fields of Powertools' EventBridgeModel,
    declared here because importing that model imports every event source's models with it (about
    250 ms of every cold start). Parsed with Powertools' parser all the same."""

    model_config = ConfigDict(populate_by_name=True)

    version: str
    id: str
    source: str
    account: str
    time: datetime
    region: str
    resources: list[str]
    detail_type: str = Field(alias="detail-type")
    detail: dict[str, Any]
