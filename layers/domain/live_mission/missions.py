"""Missions: what operators configure and which ones sellers may claim (R1)."""

from __future__ import annotations

from datetime import datetime

from .errors import MissionNotFound
from .models import Mission, MissionDefinition, Operator
from .ports import Clock, Missions


def registration_is_open(mission: Mission, now: datetime) -> bool:
    """R1: claimable from `registration_opens_at` (inclusive) until `registration_closes_at` (exclusive)."""
    return mission.registration_opens_at <= now < mission.registration_closes_at


def open_missions(missions: Missions, clock: Clock) -> list[Mission]:
    now = clock.now()
    found = [m for m in missions.closing_after(now) if registration_is_open(m, now)]
    return sorted(found, key=lambda m: (m.registration_closes_at, m.mission_id))


def mission_or_not_found(missions: Missions, mission_id: str) -> Mission:
    return known_mission(missions.get(mission_id), mission_id)


def known_mission(mission: Mission | None, mission_id: str) -> Mission:
    """The mission read, or 404 when there is none."""
    if mission is None:
        raise MissionNotFound(f"Mission {mission_id!r} does not exist.")
    return mission


def save_mission(
    missions: Missions, clock: Clock, mission_id: str, definition: MissionDefinition, operator: Operator
) -> tuple[Mission, bool]:
    """Creates or updates a mission; every change names the operator who made it, and the session that signed."""
    mission = Mission(
        mission_id=mission_id,
        updated_at=clock.now(),
        updated_by=operator.principal,
        updated_by_session=operator.session,
        **definition.model_dump(),
    )
    created = missions.put(mission)
    return mission, created
