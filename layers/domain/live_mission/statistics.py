"""The operator report: counts by registration, blocker, auto-creation status and reward state, kept
from the stream of registration changes (each change counted once; store/statistics.py)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from pydantic import Field

from .ads_quota import PACE_MINUTES, Limits, forecast
from .missions import mission_or_not_found
from .models import AutoCreationStatus, Contract, Timestamp
from .ports import Missions, QuotaLedger, Statistics
from .records import RegistrationRecord


class AdsQuotaReport(Contract):
    """Q3: the app's Ads quota, what the fleet used of today's (UTC) and when it runs out at the current pace."""

    per_second: int = Field(description="the app's limits the fleet keeps (0: none)")
    per_minute: int
    per_day: int
    used_today: int = Field(description="calls of today's quota the fleet has taken")
    used_today_percent: float
    pace_per_minute: float = Field(description="calls a minute, over the last ten whole minutes")
    runs_out_at: Timestamp | None = Field(description="when today's quota runs out at that pace; null: not today")


class MissionReport(Contract):
    """For operators: counts by registration, blocker, auto-creation status and reward state, and the app's
    Ads quota (shared by every mission)."""

    mission_id: str
    registrations: int
    blockers: dict[str, int]
    auto_creation: dict[str, int]
    rewards: dict[str, int]
    ads_quota: AdsQuotaReport | None = None


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


def quota_report(limits: Limits, ledger: QuotaLedger, now: datetime, wall_now: float) -> AdsQuotaReport:
    """Today's use of the day's quota, and the pace of the last ten whole wall-clock minutes."""
    this_minute = int(wall_now // 60)
    minutes = list(range(this_minute - PACE_MINUTES, this_minute))
    seen = forecast(limits, ledger.usage(now.astimezone(UTC).date(), minutes), now)
    return AdsQuotaReport(
        per_second=limits.per_second,
        per_minute=limits.per_minute,
        per_day=limits.per_day,
        used_today=seen.used_today,
        used_today_percent=seen.day_share_used,
        pace_per_minute=seen.pace_per_minute,
        runs_out_at=seen.runs_out_at,
    )


def mission_report(
    missions: Missions, statistics: Statistics, mission_id: str, ads_quota: AdsQuotaReport | None = None
) -> MissionReport:
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
        ads_quota=ads_quota,
    )
