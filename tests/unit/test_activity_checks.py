"""W7: activity checked against its receipt, one item per session, overlapping sessions of a room counted once,
and only the seller's own LIVE GMV Max spend."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from live_mission.activity import ActivityRefused, Intake, LiveSessionEnded, SpendReported
from live_mission.ads import AdsCampaign, AdsTransientError
from live_mission.progress import activity_for, measure
from tests.unit.world import World, mission

IN_CAMPAIGN = datetime.fromisoformat("2026-02-10T20:00:00+07:00")


def _session(session_id: str = "L1", *, room: str = "R1", at: datetime = IN_CAMPAIGN, minutes: int = 60) -> Any:
    return LiveSessionEnded.model_validate(
        {
            "session_id": session_id,
            "seller_id": "S1",
            "room_id": room,
            "started_at": at,
            "ended_at": at + timedelta(minutes=minutes),
            "gmv": 1000,
            "currency": "IDR",
        }
    )


def _spend(campaign_id: str, *, advertiser: str = "adv-S1", day: str = "2026-02-10", report: str = "P1") -> Any:
    return SpendReported.model_validate(
        {
            "report_id": report,
            "seller_id": "S1",
            "advertiser_id": advertiser,
            "campaign_id": campaign_id,
            "date": day,
            "spend": 500,
            "currency": "IDR",
        }
    )


def _intake(world: World) -> Intake:
    return Intake(world.activity, world.registrations, world.ads)


def _measured(world: World) -> tuple[Decimal, Decimal, Decimal]:
    return measure(mission(), activity_for(world.activity, mission(), "S1"))


def _registered_with_a_campaign(world: World) -> str:
    world.seller()
    world.claim()
    world.creator.attempt("M1", "S1")
    known = world.registration().campaign.known
    assert known is not None
    return known.campaign_id


def test_w7_a_session_dated_in_the_future_of_its_receipt_is_refused_a_few_minutes_skew_is_not() -> None:
    world = World()
    received = IN_CAMPAIGN + timedelta(minutes=57)  # the session ends 3 minutes after it arrived: clock skew
    assert _intake(world).session(_session(), received)
    with pytest.raises(ActivityRefused) as refused:
        _intake(world).session(_session("L2", at=IN_CAMPAIGN + timedelta(days=1)), received)
    assert refused.value.reason == "FUTURE"
    assert _measured(world)[1] == 60


def test_w7_activity_older_than_any_mission_can_count_is_refused() -> None:
    world = World()
    with pytest.raises(ActivityRefused) as refused:
        _intake(world).session(_session(), IN_CAMPAIGN + timedelta(days=400))
    assert refused.value.reason == "TOO_OLD" and world.activity.sessions == {}


def test_w7_a_spend_report_dated_after_tomorrow_is_refused() -> None:
    world = World()
    campaign_id = _registered_with_a_campaign(world)
    received = datetime.fromisoformat("2026-02-09T12:00:00+00:00")
    assert _intake(world).spend(_spend(campaign_id, day="2026-02-10"), received)  # UTC+14 is a day ahead
    with pytest.raises(ActivityRefused) as refused:
        _intake(world).spend(_spend(campaign_id, day="2026-02-11", report="P2"), received)
    assert refused.value.reason == "FUTURE"


def test_w7_a_session_restated_across_midnight_is_one_session() -> None:
    world = World()
    late = datetime.fromisoformat("2026-02-10T23:30:00+00:00")
    _intake(world).session(_session(at=late, minutes=60), late + timedelta(hours=2))
    restated = _session(at=late + timedelta(minutes=40), minutes=30)  # now starting after midnight UTC
    assert _intake(world).session(restated, late + timedelta(hours=3))
    assert len(world.activity.sessions) == 1
    assert _measured(world)[:2] == (1000, 30)


def test_w7_a_restatement_that_moves_a_session_by_days_is_refused() -> None:
    world = World()
    _intake(world).session(_session(), IN_CAMPAIGN + timedelta(hours=2))
    with pytest.raises(ActivityRefused) as refused:
        _intake(world).session(_session(at=IN_CAMPAIGN - timedelta(days=3)), IN_CAMPAIGN + timedelta(hours=3))
    assert refused.value.reason == "MOVED"


def test_w7_overlapping_sessions_of_one_room_count_their_union_other_rooms_add_up() -> None:
    world = World()
    received = IN_CAMPAIGN + timedelta(hours=5)
    _intake(world).session(_session("L1", minutes=60), received)
    _intake(world).session(_session("L2", at=IN_CAMPAIGN + timedelta(minutes=30), minutes=60), received)
    _intake(world).session(_session("L3", at=IN_CAMPAIGN + timedelta(minutes=10), minutes=5), received)
    _intake(world).session(_session("L4", room="R2", minutes=60), received)
    assert _measured(world)[1] == 90 + 60


def test_w7_spend_on_the_sellers_auto_created_campaign_counts_without_asking_the_ads_platform() -> None:
    world = World()
    campaign_id = _registered_with_a_campaign(world)
    world.ads.calls.clear()
    assert _intake(world).spend(_spend(campaign_id), IN_CAMPAIGN)
    assert world.ads.calls == {} and _measured(world)[2] == 500


def test_w7_spend_on_another_sellers_advertiser_is_refused_and_nothing_is_written() -> None:
    world = World()
    _registered_with_a_campaign(world)
    world.ads.campaigns["X1"] = AdsCampaign(
        campaign_id="X1", advertiser_id="adv-S9", gmv_max_promotion_type="LIVE_GMV_MAX"
    )
    with pytest.raises(ActivityRefused) as refused:
        _intake(world).spend(_spend("X1", advertiser="adv-S9"), IN_CAMPAIGN)
    assert refused.value.reason == "NOT_THE_SELLERS_ADVERTISER" and world.activity.reports == {}


def test_w7_spend_on_a_campaign_that_is_not_live_gmv_max_is_refused() -> None:
    world = World()
    _registered_with_a_campaign(world)
    world.ads.campaigns["P1"] = AdsCampaign(
        campaign_id="P1", advertiser_id="adv-S1", gmv_max_promotion_type="PRODUCT_GMV_MAX"
    )
    for campaign_id in ("P1", "nobody-knows"):
        with pytest.raises(ActivityRefused) as refused:
            _intake(world).spend(_spend(campaign_id), IN_CAMPAIGN)
        assert refused.value.reason == "NOT_THE_SELLERS_CAMPAIGN"
    assert world.activity.reports == {}


def test_w7_the_sellers_own_manual_campaign_is_asked_about_once() -> None:
    world = World()
    _registered_with_a_campaign(world)
    world.ads.campaigns["M7"] = AdsCampaign(
        campaign_id="M7", advertiser_id="adv-S1", gmv_max_promotion_type="LIVE_GMV_MAX"
    )
    world.ads.calls.clear()
    assert _intake(world).spend(_spend("M7"), IN_CAMPAIGN)
    assert _intake(world).spend(_spend("M7", report="P2", day="2026-02-11"), IN_CAMPAIGN)
    assert world.ads.calls == {"list_campaigns": 1} and _measured(world)[2] == 1000


def test_w7_while_the_ads_platform_cannot_tell_whose_campaign_it_is_nothing_is_written() -> None:
    world = World()
    _registered_with_a_campaign(world)
    world.ads.fail("list_campaigns", AdsTransientError("down", code=50002))
    with pytest.raises(AdsTransientError):
        _intake(world).spend(_spend("M8"), IN_CAMPAIGN)
    assert world.activity.reports == {}
