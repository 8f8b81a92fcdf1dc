"""Missions: what operators configure and which ones sellers may claim (R1)."""

from __future__ import annotations

from datetime import datetime

from .clock import Clock
from .errors import MissionNotFound
from .models import Mission, MissionDefinition
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


def save_mission(
    store: MissionStore, clock: Clock, mission_id: str, definition: MissionDefinition
) -> tuple[Mission, bool]:
    mission = Mission(mission_id=mission_id, updated_at=clock.now(), **definition.model_dump())
    created = store.put_mission(mission)
    return mission, created
