"""Every port the domain depends on, as Protocols, in one place: storage (the DynamoDB repositories in
`store/`), the Ads platform (`tiktok_ads.py`), the bus (`eventbridge.py`), the table's stream, the quota's
ledger and the clock. The wiring builds the adapters; unit tests pass small in-memory fakes
(tests/unit/fakes.py) held to the adapters' behaviour by tests/integration."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal, Protocol

from .ads import AdsCampaign, SellerAdsAccount
from .models import Mission
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
        self, country: str, industry: str, timing: str, author_rois: list[Decimal], at: datetime, by: str
    ) -> None: ...


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

    def auto_created_campaign_ids(self, seller_id: str) -> set[str]: ...

    def mark_auto_created(
        self, seller_id: str, campaign_id: str, mission_id: str, advertiser_id: str | None
    ) -> CampaignRecord: ...

    def record_campaign_report(
        self, seller_id: str, campaign_id: str, advertiser_id: str, status: str, changed_at: datetime
    ) -> CampaignRecord | None: ...

    def report_campaign_status(self, mission_id: str, seller_id: str, report: CampaignReport) -> bool: ...


class Activity(Protocol):
    def record_session(
        self,
        seller_id: str,
        session_id: str,
        room_id: str,
        started_at: datetime,
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


class AdsPlatform(Protocol):
    """What the service needs from TikTok API for Business and Shop Ads (ads.py has its shapes and errors)."""

    def seller_account(self, seller_id: str) -> SellerAdsAccount: ...

    def advertiser_timezone(self, advertiser_id: str) -> str | None: ...

    def live_campaigns(self, advertiser_id: str) -> list[AdsCampaign]: ...

    def campaign(self, advertiser_id: str, campaign_id: str) -> AdsCampaign | None: ...

    def create_live_campaign(self, request: dict[str, Any]) -> str: ...

    def disable_campaign(self, advertiser_id: str, campaign_id: str) -> None: ...


class EventPublisher(Protocol):
    def publish(self, events: list[EventOut]) -> list[bool]:
        """Puts the events on the bus; says, for each, whether it was accepted. A refused call raises."""
        ...


class StreamImages(Protocol):
    """The table's stream records, read as what they are: a registration's change, or whose item changed."""

    def registration_change(self, record: Mapping[str, Any]) -> Change | None: ...

    def seller_of(self, record: Mapping[str, Any]) -> str: ...


class QuotaLedger(Protocol):
    def lease(self, window: int, calls_per_second: int, quota: int) -> int:
        """Leases up to `calls_per_second` of the window's quota; the calls a second granted (0 when none
        are left). What is granted in a window never adds up to more than `quota`."""
        ...
