"""The final reward pass (W3) through the reward evaluation handler against moto: one invocation per
shard of the mission's registrations, each cut short by its time and resumed by the next, grants every
voucher the seller's activity earned, exactly once, and finishes the mission's final evaluation."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest

from live_mission import rewards
from live_mission.activity import LiveSessionEnded, SpendReported, record_session, record_spend
from live_mission.store.activity import ActivityStore
from live_mission.store.dynamo import Table
from live_mission.store.missions import MissionStore
from live_mission.store.registrations import MISSION_SHARDS, RegistrationStore
from tests.integration.conftest import LocalContext, load_handler
from tests.unit.world import World, mission

AT = datetime.fromisoformat("2026-02-10T10:00:00+07:00")
SELLERS = 60


class ShortLived(LocalContext):
    """An invocation with time for `pages` pages of the final pass (the pass starts none with 30 s or less left)."""

    def __init__(self, pages: int) -> None:
        super().__init__("RewardEvaluationFunction", str(uuid.uuid4()))
        self.pages = pages

    def get_remaining_time_in_millis(self) -> int:
        self.pages -= 1
        return 31_000 if self.pages >= 0 else 30_000


def _earned(activity: ActivityStore, seller_id: str) -> None:
    session = {
        "session_id": f"{seller_id}-L1",
        "seller_id": seller_id,
        "room_id": "R1",
        "started_at": AT,
        "ended_at": AT + timedelta(minutes=600),
        "gmv": 1_000_000,
        "currency": "IDR",
    }
    record_session(activity, LiveSessionEnded.model_validate(session), AT)
    spend = {"report_id": f"{seller_id}-P1", "seller_id": seller_id, "advertiser_id": "A", "campaign_id": "C"}
    spend |= {"date": "2026-02-10", "spend": 10, "currency": "IDR"}
    record_spend(activity, SpendReported.model_validate(spend), AT)


def test_w3_the_final_pass_resumes_where_each_cut_short_invocation_stopped(
    service: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a mission whose grace period has ended, its registrations, and sellers whose activity earned
    # the voucher although no change evaluated them (as when the stream's evaluation failed)
    table = Table(service.table)
    missions, registrations, activity = MissionStore(table), RegistrationStore(table), ActivityStore(table)
    missions.put(mission())
    world = World()
    world.seller()
    world.claim()
    claimed = world.registration()
    sellers = [f"S{n:03}" for n in range(SELLERS)]
    for seller_id in sellers:
        assert registrations.create(claimed.model_copy(update={"seller_id": seller_id}))
    earned = sellers[::3]
    for seller_id in earned:
        _earned(activity, seller_id)
    service.clock_file.write_text("2026-02-15T00:30:00+07:00")
    monkeypatch.setattr(rewards, "FINAL_PASS_PAGE", 2)  # several pages a shard, with few sellers
    handler = load_handler("reward_evaluation")

    # When every shard's pass runs with time for one page an invocation, until none is left to start
    started, evaluated = 0, 0
    while passes := handler.wiring.reward_evaluator().final_passes_due():
        for mission_id, shard in passes:
            request = {"final_pass": {"mission_id": mission_id, "shard": shard}}
            evaluated += handler.lambda_handler(request, ShortLived(pages=1))["evaluated"]
            started += 1
        assert started < 10 * SELLERS, "the final pass never finished"

    # Then each registration was evaluated once, over more invocations than shards, and every earned
    # voucher was granted once
    assert evaluated == SELLERS and started > MISSION_SHARDS
    states = {s: registrations.get("M1", s).reward.state for s in sellers}  # type: ignore[union-attr]
    assert {s for s, state in states.items() if state == "GRANTED"} == set(earned)
    assert (
        missions.final_pass("M1") is None and missions.to_finalize(datetime.fromisoformat("2026-03-01T00:00:00Z")) == []
    )
    again = handler.lambda_handler({"final_pass": {"mission_id": "M1", "shard": 0}}, ShortLived(pages=5))
    assert again["evaluated"] == 0


def test_a_malformed_final_pass_request_is_refused(service: Any) -> None:
    handler = load_handler("reward_evaluation")
    for bad in ({"mission_id": "../x", "shard": 0}, {"mission_id": "M1", "shard": 64}, {"mission_id": "M1"}):
        with pytest.raises(ValueError):
            handler.lambda_handler({"final_pass": bad}, ShortLived(pages=1))
