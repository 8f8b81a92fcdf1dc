"""Progress from stored activity (W1-W6) on fakes: what counts for a mission, and what a late copy or a
late restatement can never change."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from live_mission.activity import LiveSessionEnded, SpendReported, record_session, record_spend
from live_mission.progress import activity_for, counted_version, measure, progress_of, requirements_of
from live_mission.records import ActivityVersion
from tests.unit.world import World, mission

IN_CAMPAIGN = datetime.fromisoformat("2026-02-10T10:00:00+07:00")
GRACE_END = datetime.fromisoformat("2026-02-15T00:00:00+07:00")  # campaign ends 12 February, 3 days' grace


def _session(session_id: str = "L1", gmv: int = 400_000, minutes: int = 300, **extra: object) -> LiveSessionEnded:
    return LiveSessionEnded.model_validate(
        {
            "session_id": session_id,
            "seller_id": "S1",
            "room_id": "R1",
            "started_at": IN_CAMPAIGN,
            "ended_at": IN_CAMPAIGN + timedelta(minutes=minutes),
            "gmv": gmv,
            "currency": "IDR",
            **extra,
        }
    )


def _spend(spend: int, **extra: object) -> SpendReported:
    return SpendReported.model_validate(
        {
            "report_id": "P1",
            "seller_id": "S1",
            "advertiser_id": "A1",
            "campaign_id": "C1",
            "date": "2026-02-10",
            "spend": spend,
            "currency": "IDR",
            **extra,
        }
    )


def _measured(world: World) -> tuple[Decimal, Decimal, Decimal]:
    return measure(mission(), activity_for(world.activity, mission(), "S1"))


def test_w6_an_exact_copy_changes_nothing_even_after_the_grace_period() -> None:
    world = World()
    assert record_session(world.activity, _session(), IN_CAMPAIGN)
    assert record_spend(world.activity, _spend(500), IN_CAMPAIGN)
    # The same facts delivered again long after the grace period (at-least-once upstream delivery)
    assert not record_session(world.activity, _session(), GRACE_END + timedelta(days=9))
    assert not record_spend(world.activity, _spend(500), GRACE_END + timedelta(days=9))
    assert _measured(world) == (400_000, 300, 500)


def test_w3_a_restatement_after_the_grace_period_never_removes_the_in_time_figure() -> None:
    world = World()
    record_spend(world.activity, _spend(500), IN_CAMPAIGN)
    record_spend(world.activity, _spend(0), GRACE_END + timedelta(seconds=1))
    assert _measured(world)[2] == 500


def test_w3_data_first_arriving_after_the_grace_period_never_counts() -> None:
    world = World()
    record_session(world.activity, _session(), GRACE_END + timedelta(seconds=1))
    assert _measured(world) == (0, 0, 0)


def test_w6_a_restatement_in_time_replaces_the_earlier_figure() -> None:
    world = World()
    record_spend(world.activity, _spend(700), IN_CAMPAIGN)
    record_spend(world.activity, _spend(300), IN_CAMPAIGN + timedelta(hours=1))
    assert _measured(world)[2] == 300


def test_w6_the_senders_sequence_orders_restatements_that_arrive_together() -> None:
    at = IN_CAMPAIGN
    versions = [
        ActivityVersion(received_at=at, sequence=2, spend=Decimal(300)),
        ActivityVersion(received_at=at, sequence=1, spend=Decimal(700)),
    ]
    assert counted_version(versions, GRACE_END).spend == 300  # type: ignore[union-attr]
    unsequenced = [
        ActivityVersion(received_at=at, spend=Decimal(700)),
        ActivityVersion(received_at=at, spend=Decimal(300)),
    ]
    assert counted_version(unsequenced, GRACE_END).spend == 300  # type: ignore[union-attr]


def test_w1_sessions_count_by_start_and_gmv_only_in_the_mission_currency() -> None:
    world = World()
    record_session(world.activity, _session("in"), IN_CAMPAIGN)
    record_session(world.activity, _session("usd", currency="USD", gmv=50, minutes=30, room_id="R2"), IN_CAMPAIGN)
    before = _session("before").model_copy(update={"started_at": datetime.fromisoformat("2026-02-08T23:00:00+07:00")})
    record_session(
        world.activity, before.model_copy(update={"ended_at": before.started_at + timedelta(minutes=90)}), IN_CAMPAIGN
    )
    assert _measured(world)[:2] == (400_000, 330)


@pytest.mark.parametrize(
    "fields",
    [{"gmv": -1}, {"gmv": 10**14}, {"minutes": 25 * 60}, {"currency": "idr"}, {"seller_id": "a/b"}, {"sequence": -1}],
)
def test_implausible_sessions_are_refused(fields: dict[str, object]) -> None:
    with pytest.raises(ValueError, match=r"."):
        _session(**fields)


def test_w4_requirements_and_w2_held_without_spend() -> None:
    world = World()
    world.seller()
    world.claim()
    record_session(world.activity, _session(gmv=1_000_000, minutes=600), IN_CAMPAIGN)
    progress = progress_of(mission(), world.registration(), activity_for(world.activity, mission(), "S1"))
    codes = {r.code: r for r in progress.requirements}
    assert codes["GMV"].met and codes["LIVE_MINUTES"].met and not codes["GMV_MAX_SPEND"].met
    assert progress.reward.status == "HELD" and "ad spend" in progress.reward.reason


def test_w4_remaining_never_goes_below_zero() -> None:
    [gmv, minutes, spend] = requirements_of(mission(), Decimal(2_000_000), Decimal(1000), Decimal(1))
    assert (gmv.remaining, minutes.remaining, spend.remaining) == (0, 0, 0)
