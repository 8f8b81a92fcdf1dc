"""Reward evaluation (W3, W5) on fakes: granted once when everything holds, held without spend."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from live_mission.activity import LiveSessionEnded, SpendReported, record_session, record_spend
from live_mission.rewards import reward_history, voucher_code
from tests.unit.fakes import FakeRegistrations
from tests.unit.world import World

AT = datetime.fromisoformat("2026-02-10T10:00:00+07:00")


def _goals_met(world: World) -> None:
    session = {
        "session_id": "L1",
        "seller_id": "S1",
        "room_id": "R1",
        "started_at": AT,
        "ended_at": AT + timedelta(minutes=600),
        "gmv": 1_000_000,
        "currency": "IDR",
    }
    record_session(world.activity, LiveSessionEnded.model_validate(session), AT)


def _spend(world: World) -> None:
    report = {
        "report_id": "P1",
        "seller_id": "S1",
        "advertiser_id": "A",
        "campaign_id": "C",
        "date": "2026-02-10",
        "spend": 10,
        "currency": "IDR",
    }
    record_spend(world.activity, SpendReported.model_validate(report), AT)


def _registered() -> World:
    world = World()
    world.seller()
    world.claim()
    world.clock.set(AT)
    return world


def test_w2_goals_without_spend_are_held_then_w3_granted_exactly_once() -> None:
    world = _registered()
    _goals_met(world)
    assert world.evaluator.evaluate_seller("S1") == 0 and world.registration().reward.state == "HELD"
    _spend(world)
    assert world.evaluator.evaluate_seller("S1") == 1
    assert world.evaluator.evaluate_seller("S1") == 0  # already granted: nothing more
    [reward] = reward_history(world.registrations, world.vouchers, "S1").rewards
    assert reward.mission_id == "M1" and reward.value == 50000 and len(reward.voucher_code) == 14
    # Issue 24: what is stored is sealed, bound to this seller's reward; the seller's read opens it
    stored = world.registration().reward.reward
    assert stored is not None and stored.voucher_code.startswith("kms:") and reward.voucher_code not in str(stored)
    assert world.vouchers.open(
        stored.voucher_code, {"seller_id": "S1", "mission_id": "M1", "reward_id": reward.reward_id}
    )
    with pytest.raises(ValueError, match="context"):
        world.vouchers.open(stored.voucher_code, {"seller_id": "S2", "mission_id": "M1", "reward_id": reward.reward_id})


def test_w3_the_final_pass_after_the_grace_period_grants_what_no_change_evaluated() -> None:
    world = _registered()
    _goals_met(world)
    _spend(world)
    assert world.evaluator.final_passes_due() == []  # the grace period is still running
    world.clock.set(datetime.fromisoformat("2026-02-15T00:00:00+07:00"))
    assert world.evaluator.final_passes_due() == [("M1", 0)]
    assert world.evaluator.final_pass("M1", 0, lambda: 300) == 1
    assert world.evaluator.final_passes_due() == [] and world.evaluator.final_pass("M1", 0, lambda: 300) == 0
    assert world.registration().reward.state == "GRANTED"


def test_w3_a_final_pass_cut_short_resumes_where_it_stopped_and_finishes_once_every_shard_is_done() -> None:
    world = World(registrations=FakeRegistrations(mission_shards=2))
    for n in range(250):
        world.claim(world.seller(f"S{n:03}"))
    world.clock.set(datetime.fromisoformat("2026-02-15T00:00:00+07:00"))
    assert world.evaluator.final_passes_due() == [("M1", 0), ("M1", 1)]
    pages = iter([300, 0])  # time for one page, then none

    def one_page() -> float:
        return next(pages, 0)

    first = world.evaluator.final_pass("M1", 0, one_page)
    assert 0 < first < 250 and world.evaluator.final_passes_due() == [("M1", 0), ("M1", 1)]
    rest = world.evaluator.final_pass("M1", 0, lambda: 300)
    assert world.evaluator.final_passes_due() == [("M1", 1)]  # shard 0 done, the mission not yet
    other = world.evaluator.final_pass("M1", 1, lambda: 300)
    assert first + rest + other == 250 and world.evaluator.final_passes_due() == []


def test_voucher_codes_are_unambiguous() -> None:
    codes = {voucher_code() for _ in range(200)}
    assert len(codes) == 200 and not any(set(c) & set("01OI") for c in codes)
