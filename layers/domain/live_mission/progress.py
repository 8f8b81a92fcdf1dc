"""Task progress (W1, W2, W4, W6): requirements computed from the stored activity when they are read (W2).

What counts for a mission: sessions that start inside its campaign period, spend reports dated in its
campaign dates, each at the version that had arrived by the end of its grace period (W3): the latest
by the sender's sequence where every version has one, else by receipt. Data first arriving after the
grace period never counts, and never removes what arrived in time. GMV counts in the mission's
currency only (there is no conversion); a session in another currency still counts its minutes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import Literal

from .activity import MOST_MOVED
from .models import Contract, Mission, Money, Reward, Timestamp
from .ports import Activity
from .records import ActivityVersion, RegistrationRecord, SellerActivity

RewardStatus = Literal["NOT_YET", "HELD", "GRANTED"]
RequirementCode = Literal["GMV", "LIVE_MINUTES", "GMV_MAX_SPEND"]
_CENTS = Decimal("0.01")
SPEND_TARGET = Decimal("0.01")  # W2: any LIVE GMV Max spend at all


class Requirement(Contract):
    code: RequirementCode
    achieved: Money
    target: Money
    remaining: Money
    met: bool
    next_step: str


class RewardProgress(Contract):
    status: RewardStatus
    reason: str
    reward_id: str | None = None


class Progress(Contract):
    mission_id: str
    requirements: list[Requirement]
    reward: RewardProgress
    counted_until: Timestamp


def grace_ends_at(mission: Mission) -> datetime:
    return mission.campaign_ends_at + timedelta(days=mission.grace_period_days)


def campaign_dates(mission: Mission) -> tuple[date, date]:
    """The campaign period as calendar dates, in the offset the mission was given in (end exclusive)."""
    last = mission.campaign_ends_at - timedelta(microseconds=1)
    return mission.campaign_starts_at.date(), last.date()


def activity_days(mission: Mission) -> tuple[date, date]:
    """The days to read: sessions are filed by their first start date in UTC (a restatement may move a start
    by a day: MOST_MOVED), spend by the report's date."""
    first, last = campaign_dates(mission)
    starts, ends = mission.campaign_starts_at, mission.campaign_ends_at - timedelta(microseconds=1)
    return (
        min(first, starts.astimezone(UTC).date() - MOST_MOVED),
        max(last, ends.astimezone(UTC).date() + MOST_MOVED),
    )


def counted_version(versions: list[ActivityVersion], arrived_by: datetime) -> ActivityVersion | None:
    """The version that counts when data is counted until `arrived_by` (W3, W6). Versions are kept in the
    order they arrived: without the sender's sequence, the last to arrive in time counts."""
    in_time = [(arrival, v) for arrival, v in enumerate(versions) if v.received_at <= arrived_by]
    if not in_time:
        return None
    if all(v.sequence is not None for _, v in in_time):
        return max(in_time, key=lambda pair: (pair[1].sequence, pair[0]))[1]
    return in_time[-1][1]


def measure(mission: Mission, activity: SellerActivity) -> tuple[Decimal, Decimal, Decimal]:
    """GMV, LIVE minutes and LIVE GMV Max spend that count for this mission (W1, W2, W3, W7)."""
    arrived_by = grace_ends_at(mission)
    gmv, spend = Decimal(0), Decimal(0)
    on_air: dict[str, list[tuple[datetime, datetime]]] = {}  # each room's sessions, as their counted versions say
    for session in activity.sessions:
        version = counted_version(session.versions, arrived_by)
        if version is None or version.ended_at is None:
            continue
        started = version.started_at or session.started_at
        if not mission.campaign_starts_at <= started < mission.campaign_ends_at:
            continue
        on_air.setdefault(session.room_id, []).append((started, version.ended_at))
        if version.currency == mission.currency and version.gmv is not None:
            gmv += version.gmv
    seconds = sum((_on_air_seconds(spans) for spans in on_air.values()), Decimal(0))
    first, last = campaign_dates(mission)
    for report in activity.spend_reports:
        if not first <= report.date <= last:
            continue
        version = counted_version(report.versions, arrived_by)
        if version is not None and version.spend is not None:
            spend += version.spend
    minutes = (seconds / 60).quantize(_CENTS, rounding=ROUND_DOWN)
    return gmv, minutes, spend


def _on_air_seconds(spans: list[tuple[datetime, datetime]]) -> Decimal:
    """W7: one room's sessions that overlap count their union, not their sum."""
    total, reach = Decimal(0), None
    for start, end in sorted(spans):
        if reach is not None and start < reach:
            start = reach
        if end > start:
            total += Decimal(str((end - start).total_seconds()))
            reach = end if reach is None else max(reach, end)
    return total


def requirements_of(mission: Mission, gmv: Decimal, minutes: Decimal, spend: Decimal) -> list[Requirement]:
    """W4: each requirement with what was achieved, what is left and what to do next."""
    gmv_left = max(Decimal(0), mission.goals.gmv - gmv)
    minutes_target = Decimal(mission.goals.live_minutes)
    minutes_left = max(Decimal(0), minutes_target - minutes)
    return [
        _requirement(
            "GMV",
            gmv,
            mission.goals.gmv,
            gmv_left,
            reached="GMV goal reached.",
            to_do=f"Sell {gmv_left:,} {mission.currency} more in LIVE sessions during the campaign period.",
        ),
        _requirement(
            "LIVE_MINUTES",
            minutes,
            minutes_target,
            minutes_left,
            reached="LIVE duration goal reached.",
            to_do=f"Go LIVE for {minutes_left:,} more minutes during the campaign period.",
        ),
        _requirement(
            "GMV_MAX_SPEND",
            spend,
            SPEND_TARGET,
            Decimal(0) if spend > 0 else SPEND_TARGET,  # any spend meets it
            reached="LIVE GMV Max ads are running.",
            to_do="Run LIVE GMV Max ads while you are LIVE: ads only spend when your LIVE room is on air. "
            "If you withdrew your room, create a LIVE GMV Max campaign in Seller Center -> Shop Ads.",
        ),
    ]


def _requirement(
    code: RequirementCode, achieved: Decimal, target: Decimal, remaining: Decimal, *, reached: str, to_do: str
) -> Requirement:
    met = remaining == 0
    return Requirement(
        code=code, achieved=achieved, target=target, remaining=remaining, met=met, next_step=reached if met else to_do
    )


def reward_progress(requirements: list[Requirement], reward: Reward | None) -> RewardProgress:
    """W2, W3: GRANTED once granted; HELD when the goals are met but no ad spend exists; else NOT_YET."""
    if reward:
        return RewardProgress(
            status="GRANTED", reason="Your exclusive LIVE voucher was granted.", reward_id=reward.reward_id
        )
    met = {r.code: r.met for r in requirements}
    if met["GMV"] and met["LIVE_MINUTES"] and not met["GMV_MAX_SPEND"]:
        return RewardProgress(
            status="HELD",
            reason="Your GMV and LIVE goals are met, but the reward is held until your LIVE room has LIVE GMV Max "
            "ad spend in the campaign period.",
        )
    if all(met.values()):
        return RewardProgress(status="NOT_YET", reason="Every requirement is met; your voucher is being issued.")
    return RewardProgress(status="NOT_YET", reason="Complete every requirement to receive your voucher.")


def progress_of(mission: Mission, registration: RegistrationRecord, activity: SellerActivity) -> Progress:
    requirements = requirements_of(mission, *measure(mission, activity))
    return Progress(
        mission_id=mission.mission_id,
        requirements=requirements,
        reward=reward_progress(requirements, registration.reward.reward),
        counted_until=grace_ends_at(mission),
    )


def activity_for(activity: Activity, mission: Mission, seller_id: str) -> SellerActivity:
    first, last = activity_days(mission)
    return activity.activity(seller_id, first, last)
