"""One seller's world for unit tests: the domain's services on in-memory fakes and a fixed clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from live_mission.ads import AdAccount, SellerAdsAccount
from live_mission.auto_creation import AutoCreator
from live_mission.campaign_lifecycle import CampaignReports
from live_mission.clock import FixedClock
from live_mission.models import AutoCreation, Mission, MissionDefinition, RegistrationRequest
from live_mission.records import AutoCreationState, RegistrationRecord
from live_mission.registration import Registrar
from live_mission.rewards import RewardEvaluator
from tests.support import CLAIM, mission_body
from tests.unit.fakes import (
    FakeActivity,
    FakeAds,
    FakeAdsFacts,
    FakeMissions,
    FakeRegistrations,
    FakeSellerViews,
    FakeStatistics,
    FakeVoucherSeal,
)

SEED_MOMENT = datetime.fromisoformat("2026-02-09T02:00:00+07:00")  # the seller article's example


def mission(mission_id: str = "M1", **overrides: Any) -> Mission:
    return Mission(mission_id=mission_id, **MissionDefinition.model_validate(mission_body(**overrides)).model_dump())


def account(seller_id: str = "S1", **overrides: Any) -> SellerAdsAccount:
    ad_account = {
        "advertiser_id": f"adv-{seller_id}",
        "status": "STATUS_ENABLE",
        "owner": "SELLER",
        "payment_ready": True,
        "timezone": "Asia/Jakarta",
        "currency": "IDR",
        **overrides.pop("ad_account", {}),
    }
    fields: dict[str, Any] = {
        "seller_id": seller_id,
        "store_id": f"store-{seller_id}",
        "identity_id": f"identity-{seller_id}",
        "country": "ID",
        "industry": "beauty",
        "ads_permission": True,
        "ad_accounts": [AdAccount.model_validate(ad_account)],
        "avg_daily_spend_14d": Decimal(150000),
        **overrides,
    }
    return SellerAdsAccount.model_validate(fields)


@dataclass
class World:
    clock: FixedClock = field(default_factory=lambda: FixedClock(SEED_MOMENT))
    missions: FakeMissions = field(default_factory=lambda: FakeMissions(mission()))
    registrations: FakeRegistrations = field(default_factory=FakeRegistrations)
    activity: FakeActivity = field(default_factory=FakeActivity)
    statistics: FakeStatistics = field(default_factory=FakeStatistics)
    ads: FakeAds = field(default_factory=FakeAds)
    ads_facts: FakeAdsFacts = field(default_factory=FakeAdsFacts)
    vouchers: FakeVoucherSeal = field(default_factory=FakeVoucherSeal)

    @property
    def claims(self) -> Registrar:
        views = FakeSellerViews(self.missions, self.registrations, self.ads_facts)
        return Registrar(
            self.missions, self.registrations, self.statistics, self.ads, self.clock, views, self.ads_facts
        )

    @property
    def creator(self) -> AutoCreator:
        return AutoCreator(self.missions, self.registrations, self.ads, self.clock, self.ads_facts)

    @property
    def evaluator(self) -> RewardEvaluator:
        return RewardEvaluator(self.missions, self.registrations, self.activity, self.clock, self.vouchers)

    @property
    def reports(self) -> CampaignReports:
        return CampaignReports(self.registrations, self.ads)

    def seller(self, seller_id: str = "S1", **overrides: Any) -> str:
        self.ads.accounts[seller_id] = account(seller_id, **overrides)
        return seller_id

    def claim(self, seller_id: str = "S1", mission_id: str = "M1", **request: Any) -> None:
        self.claims.register(mission_id, seller_id, RegistrationRequest.model_validate({**CLAIM, **request}))

    def later(self, **delta: float) -> None:
        self.clock.set(self.clock.now() + timedelta(**delta))

    def registration(self, seller_id: str = "S1", mission_id: str = "M1") -> RegistrationRecord:
        found = self.registrations.get(mission_id, seller_id)
        assert found is not None
        return found

    def state(self, seller_id: str = "S1", mission_id: str = "M1") -> AutoCreationState:
        """Auto-creation's state machine, as stored."""
        return self.registration(seller_id, mission_id).auto_creation

    def shown(self, seller_id: str = "S1", mission_id: str = "M1") -> AutoCreation:
        """Auto-creation as the seller reads it (GET .../registration)."""
        return self.registration(seller_id, mission_id).view().auto_creation

    def run_due_work(self) -> None:
        """What the retry sweep does when it runs now."""
        for mission_id, seller_id in self.registrations.due(0, self.clock.now(), 1000)[0]:
            self.creator.attempt(mission_id, seller_id)
