"""Task progress (W1, W2, W4, W6): LIVE sessions and LIVE GMV Max spend in, requirements out.

Progress is computed from the stored facts when it is read (W2). Facts are counted when they belong to
the mission's campaign period (a session by when it started, spend by its date) and arrived before the
grace period after the campaign ended (W3). GMV counts in the mission's currency only: there is no
conversion, and a session reported in another currency is left out.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from .models import Contract, Mission, Money, Timestamp, utc_iso
from .store import MissionStore

RewardStatus = Literal["NOT_YET", "HELD", "GRANTED"]
_CENTS = Decimal("0.01")
SPEND_TARGET = Decimal("0.01")  # W2: any LIVE GMV Max spend at all


class LiveSessionEnded(BaseModel):
    """`shop.live` / `LiveSessionEnded` (SPEC section 3)."""

    model_config = ConfigDict(extra="ignore")

    session_id: str = Field(min_length=1, max_length=128)
    seller_id: str = Field(min_length=1, max_length=128)
    room_id: str = Field(min_length=1, max_length=128)
    started_at: AwareDatetime
    ended_at: AwareDatetime
    gmv: Decimal = Field(ge=0, max_digits=18, decimal_places=4)
    currency: str = Field(pattern=r"^[A-Z]{3}$")

    @model_validator(mode="after")
    def _ends_after_it_starts(self) -> LiveSessionEnded:
        if self.ended_at < self.started_at:
            raise ValueError("ended_at is before started_at")
        if self.ended_at - self.started_at > timedelta(days=2):
            raise ValueError("a LIVE session lasts at most two days")
        return self


class SpendReported(BaseModel):
    """`ads.gmvmax` / `SpendReported` (SPEC section 3)."""

    model_config = ConfigDict(extra="ignore")

    report_id: str = Field(min_length=1, max_length=128)
    seller_id: str = Field(min_length=1, max_length=128)
    advertiser_id: str = Field(min_length=1, max_length=128)
    campaign_id: str = Field(min_length=1, max_length=128)
    date: date
    spend: Decimal = Field(ge=0, max_digits=18, decimal_places=4)
    currency: str = Field(pattern=r"^[A-Z]{3}$")


class Requirement(Contract):
    code: Literal["GMV", "LIVE_MINUTES", "GMV_MAX_SPEND"]
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


def record_session(store: MissionStore, session: LiveSessionEnded, received_at: datetime) -> None:
    store.put_live_session(
        session.seller_id,
        {
            "session_id": session.session_id,
            "room_id": session.room_id,
            "started_at_utc": utc_iso(session.started_at),
            "ended_at_utc": utc_iso(session.ended_at),
            "gmv": session.gmv,
            "currency": session.currency,
            "received_at": utc_iso(received_at),
        },
    )


def record_spend(store: MissionStore, report: SpendReported, reported_at: datetime, received_at: datetime) -> bool:
    return store.put_spend_report(
        report.seller_id,
        {
            "report_id": report.report_id,
            "campaign_id": report.campaign_id,
            "advertiser_id": report.advertiser_id,
            "date": report.date.isoformat(),
            "spend": report.spend,
            "currency": report.currency,
            "reported_at": utc_iso(reported_at),
            "received_at": utc_iso(received_at),
        },
    )


def grace_ends_at(mission: Mission) -> datetime:
    return mission.campaign_ends_at + timedelta(days=mission.grace_period_days)


def _campaign_dates(mission: Mission) -> tuple[date, date]:
    """The campaign period as calendar dates, in the offset the mission was given in."""
    last = mission.campaign_ends_at - timedelta(microseconds=1)
    return mission.campaign_starts_at.date(), last.date()


def measure(store: MissionStore, mission: Mission, seller_id: str) -> tuple[Decimal, Decimal, Decimal]:
    """GMV, LIVE minutes and LIVE GMV Max spend that count for this mission (W1, W2, W3)."""
    arrived_by = utc_iso(grace_ends_at(mission))
    sessions = store.live_sessions(seller_id, utc_iso(mission.campaign_starts_at), utc_iso(mission.campaign_ends_at))
    counted = [
        s
        for s in sessions
        if s["received_at"] <= arrived_by and s["started_at_utc"] < utc_iso(mission.campaign_ends_at)
    ]
    gmv = sum((Decimal(s["gmv"]) for s in counted if s["currency"] == mission.currency), Decimal(0))
    seconds = sum(
        (datetime.fromisoformat(s["ended_at_utc"]) - datetime.fromisoformat(s["started_at_utc"])).total_seconds()
        for s in counted
    )
    minutes = (Decimal(str(seconds)) / 60).quantize(_CENTS, rounding=ROUND_DOWN)
    first, last = _campaign_dates(mission)
    spend = sum(
        (
            Decimal(r["spend"])
            for r in store.spend_reports(seller_id)
            if r["received_at"] <= arrived_by and first.isoformat() <= r["date"] <= last.isoformat()
        ),
        Decimal(0),
    )
    return gmv, minutes, spend


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
    code: Literal["GMV", "LIVE_MINUTES", "GMV_MAX_SPEND"],
    achieved: Decimal,
    target: Decimal,
    remaining: Decimal,
    *,
    reached: str,
    to_do: str,
) -> Requirement:
    met = remaining == 0
    return Requirement(
        code=code,
        achieved=achieved,
        target=target,
        remaining=remaining,
        met=met,
        next_step=reached if met else to_do,
    )


def reward_progress(requirements: list[Requirement], reward: dict[str, Any] | None) -> RewardProgress:
    """W2, W3: GRANTED once granted; HELD when the goals are met but no ad spend exists; else NOT_YET."""
    if reward:
        return RewardProgress(
            status="GRANTED", reason="Your exclusive LIVE voucher was granted.", reward_id=reward["reward_id"]
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


def progress_of(store: MissionStore, mission: Mission, seller_id: str) -> Progress:
    requirements = requirements_of(mission, *measure(store, mission, seller_id))
    return Progress(
        mission_id=mission.mission_id,
        requirements=requirements,
        reward=reward_progress(requirements, store.reward(mission.mission_id, seller_id)),
        counted_until=grace_ends_at(mission),
    )
