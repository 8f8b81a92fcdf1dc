"""An independent model of progress and rewards (W1-W7), written from the rules, not from the service:
what each seller's progress must read, given every event put on the bus and when it arrived.

It imports nothing from the service on purpose: a check that shares the code it checks proves nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

GMV_GOAL = Decimal(1_000_000)
MINUTES_GOAL = Decimal(600)


@dataclass
class Arrival:
    """One delivery of an upstream event, as the bus delivered it, at the service clock's time."""

    kind: str  # "session" or "spend"
    key: str  # session_id or report_id
    figures: tuple[object, ...]  # what makes two deliveries copies of each other
    arrived_at: datetime
    sequence: int | None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    gmv: Decimal = Decimal(0)
    currency: str = "IDR"
    day: date | None = None
    spend: Decimal = Decimal(0)


@dataclass
class SellerTruth:
    arrivals: list[Arrival] = field(default_factory=list)
    granted: bool = False

    def add(self, arrival: Arrival) -> None:
        """Keeps a delivery unless it is an exact copy of one already kept (W6)."""
        if any(a.kind == arrival.kind and a.key == arrival.key and a.figures == arrival.figures for a in self.arrivals):
            return
        self.arrivals.append(arrival)

    def figures(self, mission: MissionTruth) -> tuple[Decimal, Decimal, Decimal]:
        """GMV, LIVE minutes and spend that count: per session or report, the version that arrived by the end
        of the grace period, by the sender's sequence if every such version has one, else the last to arrive."""
        counted: dict[tuple[str, str], Arrival] = {}
        in_time = [a for a in self.arrivals if a.arrived_at <= mission.grace_ends_at]
        for kind_key in {(a.kind, a.key) for a in in_time}:
            versions = [a for a in in_time if (a.kind, a.key) == kind_key]
            if all(v.sequence is not None for v in versions):
                counted[kind_key] = max(enumerate(versions), key=lambda p: (p[1].sequence, p[0]))[1]
            else:
                counted[kind_key] = versions[-1]
        gmv = spend = Decimal(0)
        on_air: list[tuple[datetime, datetime]] = []  # every session is in the seller's one room
        for version in counted.values():
            if version.kind == "session":
                assert version.started_at and version.ended_at
                if mission.starts_at <= version.started_at < mission.ends_at:
                    on_air.append((version.started_at, version.ended_at))
                    if version.currency == mission.currency:
                        gmv += version.gmv
            elif version.day and mission.first_day <= version.day <= mission.last_day:
                spend += version.spend
        minutes = _union_seconds(on_air) / 60  # W7: a room's overlapping sessions count once
        return gmv, minutes.quantize(Decimal("0.01"), rounding="ROUND_DOWN"), spend

    def status(self, mission: MissionTruth) -> str:
        gmv, minutes, spend = self.figures(mission)
        if self.granted:
            return "GRANTED"
        if gmv >= mission.gmv_goal and minutes >= mission.minutes_goal:
            return "HELD" if spend <= 0 else "NOT_YET"
        return "NOT_YET"

    def evaluate(self, mission: MissionTruth, now: datetime) -> None:
        """The service evaluates after every change it records, and once more when the grace period ends."""
        if self.granted or now > mission.grace_ends_at:
            return
        gmv, minutes, spend = self.figures(mission)
        if gmv >= mission.gmv_goal and minutes >= mission.minutes_goal and spend > 0:
            self.granted = True


@dataclass
class MissionTruth:
    starts_at: datetime
    ends_at: datetime
    grace_days: int
    currency: str = "IDR"
    gmv_goal: Decimal = GMV_GOAL
    minutes_goal: Decimal = MINUTES_GOAL

    @property
    def grace_ends_at(self) -> datetime:
        return self.ends_at + timedelta(days=self.grace_days)

    @property
    def first_day(self) -> date:
        return self.starts_at.date()

    @property
    def last_day(self) -> date:
        return (self.ends_at - timedelta(microseconds=1)).date()


def _union_seconds(spans: list[tuple[datetime, datetime]]) -> Decimal:
    """The seconds covered by at least one of the spans."""
    covered: list[list[datetime]] = []
    for start, end in sorted(spans):
        if covered and start <= covered[-1][1]:
            covered[-1][1] = max(covered[-1][1], end)
        else:
            covered.append([start, end])
    return sum((Decimal(str((end - start).total_seconds())) for start, end in covered), Decimal(0))
