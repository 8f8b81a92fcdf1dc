"""The public contract (docs/contract.md) as pydantic models: what the app and operators send and read."""

from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    StrictBool,
    StrictStr,
    model_validator,
)

# Times a mission may name: wide enough for any campaign, narrow enough that date arithmetic never overflows.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)


def _decimal_to_json(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _in_range(moment: datetime) -> datetime:
    if not EARLIEST <= moment < LATEST:
        raise ValueError("must be between 2000-01-01 and 2100-01-01")
    return moment


# Money and rates travel as JSON numbers, and live as Decimal everywhere in between.
Money = Annotated[Decimal, PlainSerializer(_decimal_to_json, return_type=int | float, when_used="json")]
# Times travel as ISO 8601 with an explicit offset.
Timestamp = Annotated[AwareDatetime, PlainSerializer(lambda t: t.isoformat(), return_type=str, when_used="json")]
MissionTime = Annotated[Timestamp, AfterValidator(_in_range)]
# Ids that travel in paths and keys: letters, digits, '-' and '_' (the contract leaves them open; safe here).
SafeId = Annotated[StrictStr, Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")]


class Contract(BaseModel):
    # Built at first use, not at import: each function builds only the models its own routes use, which
    # keeps its cold start near the framework floor (docs/performance.md, cold starts).
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True, defer_build=True)


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
    registration_opens_at: MissionTime
    registration_closes_at: MissionTime
    campaign_starts_at: MissionTime
    campaign_ends_at: MissionTime
    grace_period_days: int = Field(ge=0, le=90)
    goals: Goals
    reward: RewardDefinition

    @model_validator(mode="after")
    def _windows_are_ordered(self) -> Self:
        if self.registration_closes_at <= self.registration_opens_at:
            raise ValueError("registration_closes_at must be after registration_opens_at")
        if self.campaign_ends_at <= self.campaign_starts_at:
            raise ValueError("campaign_ends_at must be after campaign_starts_at")
        return self


class OpenMission(MissionDefinition):
    """A mission as sellers see it."""

    mission_id: str
    updated_at: Timestamp | None = None


class Operator(BaseModel):
    """Who signed an operator's request: the principal as OperatorPrincipalArns lists it, and the session that
    signed (for a role, `arn:aws:sts::<account>:assumed-role/<role>/<session>`: the person, with SSO)."""

    model_config = ConfigDict(frozen=True)

    principal: str
    session: str


class Mission(OpenMission):
    """A mission as operators see it: with who changed it last (an IAM principal, never shown to sellers)."""

    updated_by: str | None = Field(default=None, description="the operator who made the last change, as listed")
    updated_by_session: str | None = Field(
        default=None, description="the signed session of that change (the person behind a role)"
    )


class MissionList(Contract):
    missions: list[OpenMission]


class Blocker(Contract):
    code: str
    title: str
    steps: list[str]


class FieldError(Contract):
    field: str
    message: str
    type: str


class ErrorDetail(Contract):
    code: str = Field(examples=["MISSION_NOT_OPEN"])
    message: str
    blockers: list[Blocker] | None = Field(default=None, description="R3/R4 only")
    fields: list[FieldError] | None = Field(default=None, description="validation errors only")


class ErrorBody(Contract):
    """Every error answer (docs/contract.md)."""

    error: ErrorDetail


class Eligibility(Contract):
    eligible: bool
    blockers: list[Blocker]


class RegistrationRequest(Contract):
    accept_terms: StrictBool
    terms_version: StrictStr = Field(min_length=1, max_length=64)
    authorize_live_gmv_max: StrictBool
    preview_id: StrictStr | None = Field(
        default=None, max_length=2048, description="the campaign preview the seller was shown, if any"
    )


class AutoCreationStatus(StrEnum):
    PENDING = "PENDING"
    CREATED = "CREATED"
    SKIPPED_EXISTING_CAMPAIGN = "SKIPPED_EXISTING_CAMPAIGN"
    SKIPPED_WITHDRAWN = "SKIPPED_WITHDRAWN"
    SKIPPED_STOPPED = "SKIPPED_STOPPED"
    RETRYING = "RETRYING"
    FAILED = "FAILED"
    OPTED_OUT = "OPTED_OUT"


class ReasonCode(StrEnum):
    """Why auto-creation is where it is, as a code (its words for the seller: reasons.REASONS)."""

    REGISTERED = "REGISTERED"  # PENDING: being created
    CREATED = "CREATED"
    EXISTING_CAMPAIGN = "EXISTING_CAMPAIGN"  # A2
    ROOM_WITHDRAWN = "ROOM_WITHDRAWN"  # A3
    CAMPAIGN_STOPPED = "CAMPAIGN_STOPPED"  # A4
    OPTED_OUT = "OPTED_OUT"  # A10
    SWITCHING_OFF = "SWITCHING_OFF"  # A10: opted out, the campaign not yet confirmed off
    ADS_PLATFORM_FAILED = "ADS_PLATFORM_FAILED"  # A8: retried later today
    LAST_CHANCE_TODAY = "LAST_CHANCE_TODAY"  # A8: no retry fits before the local day ends
    NOT_CREATED_TODAY = "NOT_CREATED_TODAY"  # A8: given up at the end of the local day
    STILL_LOOKING = "STILL_LOOKING"  # A8: a create's outcome is unknown; looking until the platform answers
    WAITING_FOR_ADS_QUOTA = "WAITING_FOR_ADS_QUOTA"  # Q3: the Ads platform's request quota has no call for it yet
    ADS_QUOTA_USED_UP = "ADS_QUOTA_USED_UP"  # Q3: not created today because the app's Ads quota was used up


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


class CampaignPlan(Contract):
    """The LIVE GMV Max campaign A6 asks for, exactly as it would be sent to the Ads platform."""

    advertiser_id: str | None = None
    campaign_name: str | None = None
    start_time_utc: Timestamp
    start_time_local: str
    timezone: str
    roas_bid: Money
    budget: Money
    promotion_days: PromotionDays
    key_live_mode: bool
    aigc_remix: bool
    creative_mode: str


class Campaign(Contract):
    """A campaign as the registration shows it: the plan's settings for an auto-created one, the id,
    origin and status for any."""

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

    @classmethod
    def auto_created(cls, plan: CampaignPlan, campaign_id: str, status: str = "ENABLE") -> Self:
        return cls(campaign_id=campaign_id, origin=CampaignOrigin.AUTO, status=status, **plan.model_dump())


SwitchOff = Literal["PENDING", "DONE"]


class AutoCreation(Contract):
    status: AutoCreationStatus
    reason: str
    reason_code: ReasonCode = Field(description="why, as a code (docs/contract.md lists them)")
    attempts: int
    next_attempt_at: Timestamp | None = None
    campaign: Campaign | None = None
    campaign_switch_off: SwitchOff | None = Field(
        default=None,
        description="after an opt-out (A10): PENDING while the service is still switching the campaign off, "
        "DONE once the Ads platform confirmed it",
    )


class Consent(Contract):
    """What the seller agreed to when claiming (R2), and the campaign plan fixed at that moment."""

    terms_version: str
    authorized_live_gmv_max: bool
    consented_at: Timestamp
    preview_id: str | None = None
    campaign: CampaignPlan | None = None
    differs_from_preview: list[str] = Field(default_factory=list)


class Registration(Contract):
    mission_id: str
    seller_id: str
    registered_at: Timestamp
    advertiser_id: str
    consent: Consent
    auto_creation: AutoCreation


class Cohort(BaseModel):
    model_config = ConfigDict(defer_build=True)

    country: str
    industry: str | None
    timing: Literal["normal", "campaign"]
    authors: int


class RoiRecommendation(Contract):
    tiers: list[Money]
    source: Literal["BENCHMARK_COHORT", "BENCHMARK_COUNTRY", "DEFAULT"]
    cohort: Cohort

    @property
    def highest(self) -> Decimal:
        return self.tiers[-1]


class PreviewAutoCreation(Contract):
    would_create: bool
    status: AutoCreationStatus | None = Field(
        description="null when a campaign would be created; else the status the registration would end in"
    )
    reason: str


class Spend(Contract):
    """What the campaign may spend a day, in the mission's currency: the seller's own ad account pays (A11)."""

    currency: str
    daily_budget: Money | None
    promotion_day_max: Money | None = Field(description="the daily budget plus the Promotion Day increase")
    derivation: str = Field(description="how the daily budget follows from the seller's history (O2)")


class CampaignPreview(Contract):
    preview_id: str
    mission_id: str
    registered: bool = Field(description="the seller has already claimed; a claim would return that registration")
    eligible: bool
    blockers: list[Blocker]
    auto_creation: PreviewAutoCreation
    campaign: CampaignPlan | None
    roi: RoiRecommendation
    spend: Spend


class Reward(Contract):
    reward_id: str
    mission_id: str
    type: str
    value: Money
    currency: str
    voucher_code: str
    granted_at: Timestamp


class RewardHistory(Contract):
    rewards: list[Reward]


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
