"""Events out and mission counts, both derived from registration changes (the outbox and the report)."""

from __future__ import annotations

from collections import Counter

import pytest

from live_mission.change_feed import Change, ChangeFeed
from live_mission.events import event_id, events_of_change
from live_mission.models import AutoCreationStatus as Status
from live_mission.models import Reward
from live_mission.statistics import counts_of_change, mission_report
from live_mission.store.stream import StreamImagesOfTheTable
from tests.unit.fakes import FakePublisher, FakeStatistics
from tests.unit.world import World


@pytest.fixture
def registered() -> World:
    world = World()
    world.seller()
    world.claim()
    return world


def test_a_new_registration_is_announced_with_its_consent(registered: World) -> None:
    [event] = events_of_change(None, registered.registration())
    assert event.detail_type == "MissionRegistered" and event.detail["consent"]["campaign"]["budget"] == 180000
    assert event.detail["event_id"] == event_id("MissionRegistered", "M1", "S1", "registered")


@pytest.mark.parametrize(
    ("status", "detail_type"),
    [
        (Status.CREATED, "CampaignAutoCreated"),
        (Status.FAILED, "CampaignAutoCreationFailed"),
        (Status.SKIPPED_WITHDRAWN, "CampaignAutoCreationSkipped"),
        (Status.OPTED_OUT, "CampaignAutoCreationSkipped"),
        (Status.RETRYING, None),
    ],
)
def test_each_outcome_is_announced_once(registered: World, status: Status, detail_type: str | None) -> None:
    before = registered.registration()
    after = before.changed(auto_creation={"status": status})
    assert [e.detail_type for e in events_of_change(before, after)] == ([detail_type] if detail_type else [])
    assert events_of_change(after, after) == []  # nothing changed: nothing to say


def test_the_same_event_has_the_same_id_on_every_delivery(registered: World) -> None:
    before = registered.registration()
    after = before.changed(auto_creation={"status": Status.CREATED})
    assert events_of_change(before, after) == events_of_change(before, after)
    failed_then_found = before.changed(auto_creation={"status": Status.FAILED})
    ids = {e.detail["event_id"] for e in events_of_change(before, after) + events_of_change(before, failed_then_found)}
    assert len(ids) == 2


def test_a_reward_is_announced_without_its_voucher_code(registered: World) -> None:
    before = registered.registration()
    reward = Reward(
        reward_id="R1",
        mission_id="M1",
        type="LIVE_VOUCHER",
        value=5,
        currency="IDR",
        voucher_code="SECRET",
        granted_at=registered.clock.now(),
    )
    [event] = events_of_change(before, before.changed(reward={"reward": reward, "state": "GRANTED"}))
    assert event.detail_type == "RewardGranted" and "voucher_code" not in event.detail


def test_counts_follow_each_change(registered: World) -> None:
    new = registered.registration()
    created = new.changed(auto_creation={"status": Status.CREATED})
    granted = created.changed(reward={"state": "GRANTED"})
    assert counts_of_change(None, new) == Counter({"registrations": 1, "status_PENDING": 1, "reward_NOT_YET": 1})
    assert counts_of_change(new, created) == Counter({"status_PENDING": -1, "status_CREATED": 1})
    assert counts_of_change(created, granted) == Counter({"reward_NOT_YET": -1, "reward_GRANTED": 1})


def test_a_refused_event_is_retried_and_a_redelivered_batch_counts_once(registered: World) -> None:
    # Given the registration's insert and its outcome, relayed while the bus refuses the outcome's event
    new = registered.registration()
    created = new.changed(auto_creation={"status": Status.CREATED})
    changes = [Change("100", None, new), Change("101", new, created)]
    publisher, statistics = FakePublisher(), FakeStatistics()
    feed = ChangeFeed(publisher, statistics, StreamImagesOfTheTable())
    publisher.refuse_detail_types = {"CampaignAutoCreated"}

    # When the batch is handled, then retried from where it stopped, then delivered whole once more
    assert feed.handle(changes, "shard-1") == "101"
    publisher.refuse_detail_types = set()
    assert feed.handle(changes[1:], "shard-1") is None
    assert feed.handle(changes, "shard-1") is None

    # Then every event went out at least once, each with one id, and the counts are exact
    ids: dict[str, set[str]] = {}
    for event in publisher.published:
        ids.setdefault(event.detail_type, set()).add(event.detail["event_id"])
    assert {kind: len(found) for kind, found in ids.items()} == {"MissionRegistered": 1, "CampaignAutoCreated": 1}
    report = mission_report(registered.missions, statistics, "M1")
    assert report.registrations == 1 and report.auto_creation["CREATED"] == 1 and report.auto_creation["PENDING"] == 0
    assert report.rewards == {"granted": 0, "held": 0, "not_yet": 1}
