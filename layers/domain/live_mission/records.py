"""What the service keeps, as pydantic models: the repositories take and return these, and only they
know the storage keys. Times are aware datetimes; money is Decimal."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .models import (
    AutoCreation,
    AutoCreationStatus,
    Campaign,
    CampaignPlan,
    Consent,
    Mission,
    Registration,
    Reward,
    SwitchOff,
)

RewardState = Literal["NOT_YET", "HELD", "GRANTED"]


class Record(BaseModel):
    # Built at first use: a function builds only the records it reads or writes (models.Contract says why).
    model_config = ConfigDict(extra="ignore", defer_build=True)


class AccountSnapshot(Record):
    """The seller's Ads account facts at the claim (A6, A11): the campaign is planned from these."""

    store_id: str | None = None
    identity_id: str | None = None
    country: str | None = None
    industry: str | None = None
    official_account: bool = False
    avg_daily_spend_14d: Decimal | None = None
    currency: str | None = None
    advertiser_ids: list[str] = Field(default_factory=list)


class ReportToConfirm(Record):
    """A campaign status report whose campaign could not be told the seller's (the Ads platform did not
    answer): kept until the seller's next attempt can ask again (A3, A4)."""

    advertiser_id: str
    campaign_id: str
    status: str  # as the report said it (CampaignStatusChanged)
    changed_at: datetime

    def key(self) -> str:
        """The report as one string, the same for every copy of it (kept in a set)."""
        return self.model_dump_json()


class SellerFacts(Record):
    """What holds for a seller in every mission, from the first time it happened: opted out (A10),
    LIVE room withdrawn (A3), an auto-created campaign stopped (A4); and a report that may become one."""

    opted_out_at: datetime | None = None
    withdrawn_at: datetime | None = None
    stopped_at: datetime | None = None
    reports_to_confirm: list[ReportToConfirm] = Field(default_factory=list)

    @field_validator("reports_to_confirm", mode="before")
    @classmethod
    def _from_keys(cls, value: Any) -> Any:
        if isinstance(value, set | frozenset):  # as stored: a string set of ReportToConfirm.key()
            return sorted((ReportToConfirm.model_validate_json(v) for v in value), key=lambda r: r.changed_at)
        return value

    def decision(self) -> AutoCreationStatus | None:
        """A10, A3, A4 in that order (A2's existing campaign comes after them)."""
        if self.opted_out_at:
            return AutoCreationStatus.OPTED_OUT
        if self.withdrawn_at:
            return AutoCreationStatus.SKIPPED_WITHDRAWN
        if self.stopped_at:
            return AutoCreationStatus.SKIPPED_STOPPED
        return None


class CampaignRecord(Record):
    """A campaign of the seller the service has heard of: its own (origin AUTO, with the mission it was
    created for) or one whose status the Ads platform reported before the service knew whose it was."""

    seller_id: str
    campaign_id: str
    origin: Literal["AUTO"] | None = None
    mission_id: str | None = None
    advertiser_id: str | None = None
    status: str | None = None  # the latest reported status (CampaignStatusChanged), by changed_at
    status_changed_at: datetime | None = None


class CampaignReport(Record):
    """The latest status the Ads platform reported for the registration's campaign, or the service's own
    switch-off: the registration shows it, so it never contradicts the Ads platform."""

    campaign_id: str
    status: str
    changed_at: datetime


class RegistrationRecord(Record):
    """A seller's claim of a mission: the aggregate the claim, auto-creation and the reward write."""

    mission_id: str
    seller_id: str
    registered_at: datetime
    correlation_id: str = ""
    advertiser_id: str
    timezone: str | None = None
    account: AccountSnapshot
    consent: Consent
    plan: CampaignPlan | None = None  # fixed at the claim: every attempt creates exactly this (A6)
    # auto-creation (A1-A10)
    status: AutoCreationStatus
    reason: str
    attempts: int = 0
    next_attempt_at: datetime | None = None
    last_attempt_at: datetime | None = None
    retry_deadline: datetime  # A8: the end of the advertiser's local day of registration
    due_at: datetime | None = None  # work is due (an attempt, a check, a switch-off): the retry index
    # An attempt holds the registration until then; its outcome clears it, so a lease left behind shows an
    # attempt that crashed (it may have created: A5).
    lease_until: datetime | None = None
    lease_token: str | None = None  # whose lease it is: a retried claim knows its own
    outcome_unknown: bool = False  # a create may have succeeded unseen: look before anything else (A5)
    campaign: Campaign | None = None
    campaign_report: CampaignReport | None = None
    switch_off: SwitchOff | None = None  # A10: the campaign is being switched off, or has been
    switch_off_after: datetime | None = None  # an attempt dropped by the opt-out may create until then
    # rewards (W3)
    reward_state: RewardState = "NOT_YET"
    reward: Reward | None = None

    def effective_campaign(self) -> Campaign | None:
        """The campaign with the latest status reported for it."""
        report = self.campaign_report
        if self.campaign is not None and report is not None and report.campaign_id == self.campaign.campaign_id:
            return self.campaign.model_copy(update={"status": report.status})
        return self.campaign

    def view(self) -> Registration:
        """The public registration (docs/contract.md)."""
        return Registration(
            mission_id=self.mission_id,
            seller_id=self.seller_id,
            registered_at=self.registered_at,
            advertiser_id=self.advertiser_id,
            consent=self.consent,
            auto_creation=AutoCreation(
                status=self.status,
                reason=self.reason,
                attempts=self.attempts,
                next_attempt_at=self.next_attempt_at,
                campaign=self.effective_campaign(),
                campaign_switch_off=self.switch_off,
            ),
        )


class ActivityVersion(Record):
    """One version of a LIVE session or a spend report, as it arrived. A restatement adds a version;
    an exact copy adds nothing (W6)."""

    received_at: datetime  # the service's clock at receipt, never the sender's
    sequence: int | None = None  # the upstream's own ordering, when the event carries one
    gmv: Decimal | None = None
    ended_at: datetime | None = None
    currency: str | None = None
    spend: Decimal | None = None
    campaign_id: str | None = None
    advertiser_id: str | None = None


class LiveSession(Record):
    session_id: str
    room_id: str
    started_at: datetime
    versions: list[ActivityVersion]


class SpendReport(Record):
    report_id: str
    date: date
    versions: list[ActivityVersion]


class SellerActivity(BaseModel):
    model_config = ConfigDict(defer_build=True)

    sessions: list[LiveSession] = Field(default_factory=list)
    spend_reports: list[SpendReport] = Field(default_factory=list)


class SellerView(Record):
    """The mission, the seller's registration for it and the seller's facts, read together."""

    mission: Mission | None
    registration: RegistrationRecord | None
    facts: SellerFacts


class FinalPass(Record):
    """W3: a mission whose grace period has ended, and how far its final evaluation has got, shard by
    shard of its registrations: where each unfinished shard's pass stopped, and the shards done."""

    mission: Mission
    reached: dict[int, dict[str, Any]] = Field(default_factory=dict)
    done: frozenset[int] = frozenset()
