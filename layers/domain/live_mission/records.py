"""What the service keeps, as pydantic models: the repositories take and return these, and only they
know the storage keys. Times are aware datetimes; money is Decimal."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .ads import SellerAdsAccount
from .models import (
    AutoCreation,
    AutoCreationStatus,
    Campaign,
    CampaignOrigin,
    CampaignPlan,
    Consent,
    Mission,
    ReasonCode,
    Registration,
    Reward,
    SwitchOff,
)
from .reasons import REASONS

RewardStatus = Literal["NOT_YET", "HELD", "GRANTED"]


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
    created for) or one whose status the Ads platform reported before the service knew whose it was.
    `live_gmv_max`: the Ads platform said it is a LIVE GMV Max campaign on one of the seller's advertisers, so
    spend on it counts (W2, W7)."""

    seller_id: str
    campaign_id: str
    origin: Literal["AUTO"] | None = None
    mission_id: str | None = None
    advertiser_id: str | None = None
    live_gmv_max: bool = False
    status: str | None = None  # the latest reported status (CampaignStatusChanged), by changed_at
    status_changed_at: datetime | None = None


class CampaignReport(Record):
    """The latest status the Ads platform reported for the registration's campaign, or the service's own
    switch-off: the registration shows it, so it never contradicts the Ads platform."""

    campaign_id: str
    status: str
    changed_at: datetime


class ConsentGiven(Record):
    """What the seller agreed to when claiming (R2). The plan they consented to is the claim's own plan
    (`Claim.plan`), kept once: `campaign_planned` says whether a campaign was part of what they were shown."""

    terms_version: str
    authorized_live_gmv_max: bool
    consented_at: datetime
    preview_id: str | None = None
    campaign_planned: bool = False
    differs_from_preview: list[str] = Field(default_factory=list)


class Claim(Record):
    """What the seller's claim fixed (R2, R5, A6, A8); nothing changes it afterwards."""

    registered_at: datetime
    correlation_id: str = ""  # the claim's request id: one id follows the seller from claim to voucher
    advertiser_id: str
    timezone: str | None = None  # decided once, so that the start (A6) and the retry day (A8) agree
    account: AccountSnapshot
    consent: ConsentGiven
    plan: CampaignPlan | None = None  # every attempt creates exactly this (A6)
    # When the Ads platform last listed no active LIVE GMV Max campaign for the seller, as the claim relied on
    # it: a first attempt soon after may create without listing again (Q4).
    campaigns_clear_at: datetime | None = None

    def consent_view(self) -> Consent:
        return Consent(
            **self.consent.model_dump(exclude={"campaign_planned"}),
            campaign=self.plan if self.consent.campaign_planned else None,
        )


class AutoCreationState(Record):
    """Auto-creation's state machine (A1-A10): the status and why, the attempts and when work is due, and
    the lease an attempt holds while it works."""

    status: AutoCreationStatus  # never left out of the item: the opt-out's guard compares it
    reason: ReasonCode = ReasonCode.REGISTERED
    attempts: int = 0
    next_attempt_at: datetime | None = None
    last_attempt_at: datetime | None = None
    retry_deadline: datetime  # A8: the end of the advertiser's local day of registration
    due_at: datetime | None = None  # work is due (an attempt, a check, a switch-off): the retry index
    # An attempt holds the registration until then; its outcome clears it, so a lease left behind shows an
    # attempt that crashed (it may have created: A5).
    lease_until: datetime | None = None
    lease_token: str | None = None  # whose lease it is: a retried write knows its own
    outcome_unknown: bool = False  # a create may have succeeded unseen: look before anything else (A5)
    held_by_quota: bool = False  # the last attempt never reached the platform: the Ads quota held it (Q3)


class KnownCampaign(Record):
    """The campaign a registration is about: the one auto-created for it (its settings are the claim's plan),
    or a seller's own active one found instead (A2)."""

    campaign_id: str
    origin: CampaignOrigin
    status: str
    advertiser_id: str | None = None
    campaign_name: str | None = None


class CampaignState(Record):
    """The campaign's side of a registration (A2, A5, A10): which one, what the Ads platform last reported of
    it, and its switch-off after an opt-out."""

    known: KnownCampaign | None = None
    report: CampaignReport | None = None
    switch_off: SwitchOff | None = None  # A10: the campaign is being switched off, or has been
    switch_off_after: datetime | None = None  # an attempt dropped by the opt-out may create until then


class RewardState(Record):
    """The reward's state machine (W2, W3): not yet, held for want of ad spend, or granted (once)."""

    state: RewardStatus  # never left out of the item: the grant's guard compares it
    reward: Reward | None = None


class RegistrationRecord(Record):
    """A seller's claim of a mission: the aggregate that the claim, auto-creation and the reward write, each
    its own part."""

    mission_id: str
    seller_id: str
    claim: Claim
    auto_creation: AutoCreationState
    campaign: CampaignState = Field(default_factory=CampaignState)
    reward: RewardState = Field(default_factory=lambda: RewardState(state="NOT_YET"))

    def changed(
        self,
        *,
        auto_creation: dict[str, Any] | None = None,
        campaign: dict[str, Any] | None = None,
        reward: dict[str, Any] | None = None,
    ) -> Self:
        """A copy with some fields of some parts changed."""
        parts = {"auto_creation": auto_creation, "campaign": campaign, "reward": reward}
        return self.model_copy(
            update={name: getattr(self, name).model_copy(update=fields) for name, fields in parts.items() if fields}
        )

    def campaign_shown(self) -> Campaign | None:
        """The registration's campaign as the seller sees it: an auto-created one with the plan's settings, and
        the latest status the Ads platform reported for it."""
        known, plan = self.campaign.known, self.claim.plan
        if known is None:
            return None
        if known.origin is CampaignOrigin.AUTO and plan is not None:
            shown = Campaign.auto_created(plan, known.campaign_id, known.status)
        else:
            shown = Campaign(**known.model_dump())
        report = self.campaign.report
        if report is not None and report.campaign_id == known.campaign_id:
            shown = shown.model_copy(update={"status": report.status})
        return shown

    def view(self) -> Registration:
        """The public registration (docs/contract.md)."""
        state = self.auto_creation
        return Registration(
            mission_id=self.mission_id,
            seller_id=self.seller_id,
            registered_at=self.claim.registered_at,
            advertiser_id=self.claim.advertiser_id,
            consent=self.claim.consent_view(),
            auto_creation=AutoCreation(
                status=state.status,
                reason=REASONS[state.reason],
                reason_code=state.reason,
                attempts=state.attempts,
                next_attempt_at=state.next_attempt_at,
                campaign=self.campaign_shown(),
                campaign_switch_off=self.campaign.switch_off,
            ),
        )


class ActivityVersion(Record):
    """One version of a LIVE session or a spend report, as it arrived. A restatement adds a version;
    an exact copy adds nothing (W6)."""

    received_at: datetime  # the service's clock at receipt, never the sender's
    sequence: int | None = None  # the upstream's own ordering, when the event carries one
    gmv: Decimal | None = None
    started_at: datetime | None = None  # a session's start as this version says (None: as the session's first)
    ended_at: datetime | None = None
    currency: str | None = None
    spend: Decimal | None = None
    campaign_id: str | None = None
    advertiser_id: str | None = None


class LiveSession(Record):
    session_id: str
    room_id: str
    started_at: datetime  # as it first arrived: the session is filed under this day whatever its restatements say
    versions: list[ActivityVersion]


class SpendReport(Record):
    report_id: str
    date: date
    versions: list[ActivityVersion]


class SellerActivity(BaseModel):
    model_config = ConfigDict(defer_build=True)

    sessions: list[LiveSession] = Field(default_factory=list)
    spend_reports: list[SpendReport] = Field(default_factory=list)


class RecentAdsFacts(Record):
    """What the Ads platform said of a seller a short while ago, kept so that the next step of the app's flow
    need not ask again (Q4): the account facts of an eligible seller only (a fact that blocks is never reused),
    the advertising account's zone when the facts lacked it, and when a listing last found no active LIVE GMV
    Max campaign on the seller's accounts."""

    account: SellerAdsAccount | None = None
    account_read_at: datetime | None = None
    zone: str | None = None
    campaigns_clear_at: datetime | None = None


class SellerView(Record):
    """The mission, the seller's registration for it, the seller's facts and what the Ads platform said of them
    a short while ago, read together."""

    mission: Mission | None
    registration: RegistrationRecord | None
    facts: SellerFacts
    ads_facts: RecentAdsFacts = Field(default_factory=RecentAdsFacts)


class FinalPass(Record):
    """W3: a mission whose grace period has ended, and how far its final evaluation has got, shard by
    shard of its registrations: where each unfinished shard's pass stopped, and the shards done."""

    mission: Mission
    reached: dict[int, dict[str, Any]] = Field(default_factory=dict)
    done: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Change:
    """One committed change of a registration, as the table's stream tells it (None: absent before or after)."""

    sequence_number: str
    before: RegistrationRecord | None
    after: RegistrationRecord | None

    @property
    def mission_id(self) -> str:
        registration = self.after or self.before
        assert registration is not None
        return registration.mission_id
