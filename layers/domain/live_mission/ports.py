"""Every port the domain depends on, as Protocols, in one place: storage (the DynamoDB repositories in
`store/`), the Ads platform (`tiktok_ads.py`), the bus (`eventbridge.py`), the table's stream, the quota's
ledger and the clock. The wiring builds the adapters; unit tests pass small in-memory fakes
(tests/unit/fakes.py) held to the adapters' behaviour by tests/integration."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal, Protocol

from .ads import AdsCampaign, SellerAdsAccount
from .models import Mission, Operator
from .records import (
    ActivityVersion,
    CampaignRecord,
    CampaignReport,
    Change,
    FinalPass,
    RegistrationRecord,
    ReportToConfirm,
    SellerActivity,
    SellerFacts,
    SellerView,
)

if TYPE_CHECKING:
    from .ads_quota import Ask, DayPause, DayTally, MinuteTally, Purpose, QuotaUse
    from .events import EventOut

Fact = Literal["opted_out_at", "withdrawn_at", "stopped_at"]
Guard = Literal["lease", "status", "reward_state"]


class StorageBusy(Exception):
    """Storage kept refusing (throttling, conflicts, internal errors) after its retries: nothing was decided,
    so trying again later is always safe. A seller meets it as 503 with Retry-After."""


class Clock(Protocol):
    def now(self) -> datetime: ...


class Benchmarks(Protocol):
    """O1: the achieved ROI of similar authors, by industry, for a country and timing."""

    def benchmarks(self, country: str, timing: str) -> dict[str, list[Decimal]]: ...


class Missions(Benchmarks, Protocol):
    def put(self, mission: Mission) -> bool: ...

    def get(self, mission_id: str) -> Mission | None: ...

    def get_many(self, mission_ids: set[str]) -> dict[str, Mission]: ...

    def closing_after(self, moment: datetime) -> list[Mission]: ...

    def to_finalize(self, now: datetime) -> list[FinalPass]: ...

    def final_pass(self, mission_id: str) -> FinalPass | None: ...

    def record_final_page(self, mission_id: str, shard: int, following: dict[str, Any] | None, shards: int) -> bool: ...

    def put_benchmark(
        self, country: str, industry: str, timing: str, author_rois: list[Decimal], at: datetime, by: Operator
    ) -> None: ...


class VoucherSeal(Protocol):
    """Voucher codes are bearer credentials: stored only sealed, opened only for their seller's read. The
    context (seller, mission, reward) is bound to the seal: a sealed code opens only with its own."""

    def seal(self, code: str, context: dict[str, str]) -> str: ...

    def open(self, sealed: str, context: dict[str, str]) -> str: ...


class Registrations(Protocol):
    retry_shards: int
    mission_shards: int

    def get(self, mission_id: str, seller_id: str, *, consistent: bool = False) -> RegistrationRecord | None: ...

    def of_seller(self, seller_id: str) -> list[RegistrationRecord]: ...

    def of_mission(
        self, mission_id: str, shard: int, limit: int, start: dict[str, Any] | None = None
    ) -> tuple[list[RegistrationRecord], dict[str, Any] | None]: ...

    def due(
        self, shard: int, now: datetime, limit: int, start: dict[str, Any] | None = None
    ) -> tuple[list[tuple[str, str]], dict[str, Any] | None]: ...

    def has_due(self, shard: int, now: datetime) -> bool: ...

    def create(self, record: RegistrationRecord) -> bool: ...

    def save(self, seen: RegistrationRecord, updated: RegistrationRecord, *, guard: Guard) -> bool: ...

    def claim_attempt(
        self, mission_id: str, seller_id: str, now: datetime, lease_until: datetime
    ) -> tuple[RegistrationRecord, bool] | None: ...

    def facts(self, seller_id: str) -> SellerFacts: ...

    def record_fact(self, seller_id: str, fact: Fact, at: datetime, *, campaign_id: str | None = None) -> None: ...

    def keep_report_to_confirm(self, seller_id: str, report: ReportToConfirm) -> None: ...

    def forget_report_to_confirm(self, seller_id: str, report: ReportToConfirm) -> None: ...

    def campaign(self, seller_id: str, campaign_id: str) -> CampaignRecord | None: ...

    def mark_live_gmv_max(self, seller_id: str, campaign_id: str, advertiser_id: str) -> None:
        """The Ads platform said this is a LIVE GMV Max campaign on the seller's advertiser (W7)."""
        ...

    def auto_created_campaign_ids(self, seller_id: str) -> set[str]: ...

    def mark_auto_created(
        self, seller_id: str, campaign_id: str, mission_id: str, advertiser_id: str | None
    ) -> CampaignRecord: ...

    def record_campaign_report(
        self, seller_id: str, campaign_id: str, advertiser_id: str, status: str, changed_at: datetime
    ) -> CampaignRecord | None: ...

    def report_campaign_status(self, mission_id: str, seller_id: str, report: CampaignReport) -> bool: ...


class Activity(Protocol):
    def file_session(self, seller_id: str, session_id: str, started_at: datetime) -> date:
        """The day the session is filed under: its start's (UTC) as it first arrived, whatever comes later."""
        ...

    def record_session(
        self,
        seller_id: str,
        session_id: str,
        room_id: str,
        filed: date,
        version: ActivityVersion,
        fingerprint: str,
    ) -> bool: ...

    def record_spend(
        self, seller_id: str, report_id: str, day: date, version: ActivityVersion, fingerprint: str
    ) -> bool: ...

    def activity(self, seller_id: str, first_day: date, last_day: date) -> SellerActivity: ...


class Statistics(Protocol):
    def apply(self, mission_id: str, stream_shard: str, changes: list[tuple[str, Counter[str]]]) -> None: ...

    def count_blocked(self, mission_id: str, seller_id: str, codes: list[str]) -> None: ...

    def totals(self, mission_id: str) -> Counter[str]: ...


class SellerViews(Protocol):
    def of(self, mission_id: str, seller_id: str) -> SellerView: ...


class AdsFacts(Protocol):
    """What the Ads platform said of a seller a short while ago (records.RecentAdsFacts); read with the seller's
    view."""

    def remember_account(self, seller_id: str, account: SellerAdsAccount, zone: str | None, at: datetime) -> None: ...

    def remember_clear_campaigns(self, seller_id: str, at: datetime) -> None: ...

    def forget_clear_campaigns(self, seller_id: str) -> None:
        """The seller has, or is about to have, an active campaign: no earlier listing may say none (A2)."""
        ...


class AdsPlatform(Protocol):
    """What the service needs from TikTok API for Business and Shop Ads (ads.py has its shapes and errors).
    Every call says what it is for: the fleet's quota serves purposes in order when it binds (Q2)."""

    def seller_account(self, seller_id: str, *, purpose: Purpose) -> SellerAdsAccount: ...

    def advertiser_timezones(self, advertiser_ids: list[str], *, purpose: Purpose) -> dict[str, str]: ...

    def live_campaigns(self, advertiser_id: str, *, purpose: Purpose) -> list[AdsCampaign]: ...

    def campaign(self, advertiser_id: str, campaign_id: str, *, purpose: Purpose) -> AdsCampaign | None: ...

    def create_live_campaign(self, request: dict[str, Any], *, purpose: Purpose) -> str: ...

    def disable_campaign(self, advertiser_id: str, campaign_id: str, *, purpose: Purpose) -> None: ...


class EventPublisher(Protocol):
    def publish(self, events: list[EventOut]) -> list[bool]:
        """Puts the events on the bus; says, for each, whether it was accepted. A refused call raises."""
        ...


class StreamImages(Protocol):
    """The table's stream records, read as what they are: a registration's change, or whose item changed."""

    def registration_change(self, record: Mapping[str, Any]) -> Change | None: ...

    def seller_of(self, record: Mapping[str, Any]) -> str: ...


class QuotaLedger(Protocol):
    """The counters the fleet keeps the Ads quota with (ads_quota.py): one per wall-clock minute, one per
    UTC day. Every write is conditional or additive, so that concurrent containers never grant more than
    the quota between them."""

    def take(self, ask: Ask) -> MinuteTally:
        """One call's slot in a second of a minute, if the ask's allowances and any pause allow it; the
        minute's counts either way."""
        ...

    def throttled(self, minute: int, second: int, *, first_of_second: bool, cap: int) -> MinuteTally:
        """Notes that the platform refused a call in this second (its first, or after `cap` went through: no
        second of the minute takes more from now on); the minute as it stood before, with the seconds whose
        first call was refused."""
        ...

    def pause_minute(self, minute: int, until: float) -> None:
        """No call is admitted in this minute before `until` (epoch seconds)."""
        ...

    def lease_day(self, day: date, calls: int, allowance: int) -> DayTally:
        """Up to `calls` of the day's quota for one container, while the fleet's lease stays within
        `allowance`; what is granted, and the day as it stands."""
        ...

    def day(self, day: date) -> DayTally:
        """The day as it stands (granted: 0)."""
        ...

    def note_minute_spent(self, day: date, minute: int, sent: int) -> None:
        """The platform said this minute's quota is spent after `sent` calls went through in it."""
        ...

    def pause_day(self, day: date, until: datetime) -> None: ...

    def probe(self, day: date, now: datetime, every: timedelta) -> DayPause:
        """While the day is paused: whether this caller may send one call to see if the quota came back (at most
        one every `every`), and the pause as it stands."""
        ...

    def lift_day_pause(self, day: date) -> None: ...

    def usage(self, day: date, minutes: list[int]) -> QuotaUse:
        """What the fleet used of the day and of each of the given minutes (the report's pace and forecast)."""
        ...
