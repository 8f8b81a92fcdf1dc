"""Reward evaluation against the moto server: racing evaluations grant once (W3), and the final pass
after the grace period grants what no activity change evaluated."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import boto3

from live_mission.clock import FixedClock
from live_mission.models import Mission, MissionDefinition
from live_mission.rewards import RewardEvaluator
from live_mission.store import MissionStore
from tests.support import mission_body
from tools.local_stack.aws import CREDENTIALS, MotoServer
from tools.local_stack.template import Template


class Published:
    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []

    def publish(self, detail_type: str, detail: dict[str, Any]) -> None:
        self.events.append((detail_type, detail))


def _store(emulator: tuple[MotoServer, Template]) -> MissionStore:
    server, template = emulator
    resource = boto3.resource("dynamodb", endpoint_url=server.url, **CREDENTIALS)
    return MissionStore(template.physical_names["MissionTable"], dynamodb=resource)


def _seller_with_goals_met(store: MissionStore) -> tuple[Mission, dict[str, Any]]:
    mission = Mission(mission_id="M1", **MissionDefinition.model_validate(mission_body()).model_dump())
    store.put_mission(mission)
    store.create_registration(
        {"mission_id": "M1", "seller_id": "S1", "status": "CREATED", "registered_at": "2026-02-08T19:00:00+00:00"}
    )
    store.put_live_session(
        "S1",
        {
            "session_id": "L1",
            "started_at_utc": "2026-02-09T03:00:00.000000Z",
            "ended_at_utc": "2026-02-09T13:00:00.000000Z",
            "gmv": Decimal(1_000_000),
            "currency": "IDR",
            "received_at": "2026-02-09T13:00:00.000000Z",
        },
    )
    store.put_spend_report(
        "S1",
        {
            "report_id": "P1",
            "date": "2026-02-10",
            "spend": Decimal(5),
            "reported_at": "2026-02-10T00:00:00.000000Z",
            "received_at": "2026-02-10T00:00:00.000000Z",
        },
    )
    registration = store.get_registration("M1", "S1", consistent=True)
    assert registration
    return mission, registration


def test_racing_evaluations_grant_exactly_one_reward(emulator: tuple[MotoServer, Template]) -> None:
    # Given a seller whose every requirement holds, and eight evaluations started at once
    mission, registration = _seller_with_goals_met(_store(emulator))
    clock = FixedClock(datetime(2026, 2, 10, tzinfo=UTC))
    published = Published()
    barrier = threading.Barrier(8)
    results: list[bool] = []

    def evaluate() -> None:
        evaluator = RewardEvaluator(_store(emulator), clock, published)
        barrier.wait()
        results.append(evaluator.evaluate(mission, dict(registration)))

    threads = [threading.Thread(target=evaluate) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Then one grants, the others find it granted; one reward, one event
    assert sorted(results) == [False] * 7 + [True]
    assert len(_store(emulator).rewards_of("S1")) == 1
    assert [kind for kind, _ in published.events] == ["RewardGranted"]


def test_the_final_evaluation_after_the_grace_period_grants_what_was_missed(
    emulator: tuple[MotoServer, Template],
) -> None:
    # Given facts that reached the table without any evaluation (a stream delivery that was lost)
    store = _store(emulator)
    _seller_with_goals_met(store)
    clock = FixedClock(datetime(2026, 2, 14, tzinfo=UTC))
    evaluator = RewardEvaluator(store, clock, Published())

    # When the final pass runs before and after the grace period ends (15 February, 00:00 +07:00)
    before = evaluator.finalize_due_missions()
    clock.set(datetime(2026, 2, 14, 17, 0, tzinfo=UTC))
    after = evaluator.finalize_due_missions()
    again = evaluator.finalize_due_missions()

    # Then only the pass after the grace period evaluates, once, and grants
    assert (before, after, again) == (0, 1, 0)
    assert len(store.rewards_of("S1")) == 1
