"""The operator report: counts by registration, blocker, auto-creation status and reward state, kept
from the stream of registration changes (each change counted once; store/statistics.py)."""

from __future__ import annotations

from collections import Counter

from .missions import mission_or_not_found
from .models import AutoCreationStatus, Contract
from .ports import Missions, Statistics
from .records import RegistrationRecord


class MissionReport(Contract):
    """For operators: counts by registration, blocker, auto-creation status and reward state."""

    mission_id: str
    registrations: int
    blockers: dict[str, int]
    auto_creation: dict[str, int]
    rewards: dict[str, int]


def counts_of_change(before: RegistrationRecord | None, after: RegistrationRecord | None) -> Counter[str]:
    """What one change of a registration adds to its mission's counts."""
    counts: Counter[str] = Counter()
    if before is None and after is not None:
        counts["registrations"] += 1
        counts[f"status_{after.auto_creation.status.value}"] += 1
        counts[f"reward_{after.reward.state}"] += 1
    elif before is not None and after is not None:
        if before.auto_creation.status is not after.auto_creation.status:
            counts[f"status_{before.auto_creation.status.value}"] -= 1
            counts[f"status_{after.auto_creation.status.value}"] += 1
        if before.reward.state != after.reward.state:
            counts[f"reward_{before.reward.state}"] -= 1
            counts[f"reward_{after.reward.state}"] += 1
    return counts


def mission_report(missions: Missions, statistics: Statistics, mission_id: str) -> MissionReport:
    mission_or_not_found(missions, mission_id)
    counts = statistics.totals(mission_id)
    return MissionReport(
        mission_id=mission_id,
        registrations=counts["registrations"],
        blockers={k.removeprefix("blocked_"): v for k, v in sorted(counts.items()) if k.startswith("blocked_") and v},
        auto_creation={s.value: counts[f"status_{s.value}"] for s in AutoCreationStatus},
        rewards={
            "granted": counts["reward_GRANTED"],
            "held": counts["reward_HELD"],
            "not_yet": counts["reward_NOT_YET"],
        },
    )
