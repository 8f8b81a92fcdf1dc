"""Missions: what operators configure and which ones sellers may claim (R1)."""

from __future__ import annotations

from datetime import datetime

from .clock import Clock
from .errors import MissionNotFound
from .models import AutoCreationStatus, Contract, Mission, MissionDefinition
from .store import MissionStore


def registration_is_open(mission: Mission, now: datetime) -> bool:
    """R1: claimable from `registration_opens_at` (inclusive) until `registration_closes_at` (exclusive)."""
    return mission.registration_opens_at <= now < mission.registration_closes_at


def open_missions(store: MissionStore, clock: Clock) -> list[Mission]:
    now = clock.now()
    missions = [m for m in store.missions_closing_after(now) if registration_is_open(m, now)]
    return sorted(missions, key=lambda m: (m.registration_closes_at, m.mission_id))


def mission_or_not_found(store: MissionStore, mission_id: str) -> Mission:
    mission = store.get_mission(mission_id)
    if mission is None:
        raise MissionNotFound(f"Mission {mission_id!r} does not exist.")
    return mission


class MissionReport(Contract):
    """For operators: counts by registration, blocker, auto-creation status and reward state."""

    mission_id: str
    registrations: int
    blockers: dict[str, int]
    auto_creation: dict[str, int]
    rewards: dict[str, int]


def mission_report(store: MissionStore, mission_id: str) -> MissionReport:
    mission_or_not_found(store, mission_id)
    counts = store.mission_statistics(mission_id)
    registrations = counts.get("registrations", 0)
    held, granted = counts.get("reward_HELD", 0), counts.get("reward_GRANTED", 0)
    return MissionReport(
        mission_id=mission_id,
        registrations=registrations,
        blockers={k.removeprefix("blocked_"): v for k, v in sorted(counts.items()) if k.startswith("blocked_")},
        auto_creation={s.value: counts.get(f"status_{s.value}", 0) for s in AutoCreationStatus},
        rewards={"granted": granted, "held": held, "not_yet": registrations - held - granted},
    )


def save_mission(
    store: MissionStore, clock: Clock, mission_id: str, definition: MissionDefinition
) -> tuple[Mission, bool]:
    mission = Mission(mission_id=mission_id, updated_at=clock.now(), **definition.model_dump())
    created = store.put_mission(mission)
    return mission, created
