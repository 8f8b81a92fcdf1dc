"""A million sellers in one mega campaign, on a simulated clock, at each of TikTok's published tiers.

What is the service's own code, run as it is: the fleet's quota (`live_mission.ads_quota.AdsQuota`: seconds,
minutes and UTC days, the purposes' shares, the day's chunks, what a refusal says to wait) on the in-memory
ledger the unit tests hold to the DynamoDB one (tests/integration: the same answers); the priority of a
creation by its start (`creating`); the campaign's start and the retry day (`next_day_at`, `end_of_local_day`:
A6, A8); the reuse of what the platform said (`ACCOUNT_FACTS_REUSE`, `CLEAR_LISTING_REUSE`: Q4); an attempt held
back by the quota and the sweep that takes it up again on the minute (`SWEEP`'s minute, A8, Q3).

What drives it, and is a model: sellers arriving (a fifth in the first hour, the rest over three days, zones
from UTC-10 to UTC+14), the app's flow (eligibility, then the preview 3 s later, the claim 20 s after that;
a 503 tried again after its Retry-After, in no particular order among the sellers waiting), API Gateway's
throttle on the routes that read (each route's requests a second, beyond which the app backs off), the
platform (keeping the tier's three limits, refusing beyond them: none is expected, the fleet keeps the same),
and a first attempt two seconds after its claim.

`BENCH_ONLY=mega make bench` runs 100,000 and 1,000,000 sellers at Basic and Ultimate (BENCH_MEGA_SELLERS and
BENCH_MEGA_TIERS choose others). The last line: `mega: sellers=1000000 tier=ultimate created_before_start=...`.
"""

from __future__ import annotations

import heapq
import math
import os
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone

from live_mission.ads_quota import DAY_ALARMS, Admitted, AdsQuota, Limits, Purpose, QuotaLimits, creating
from live_mission.campaign_settings import GO_LIVE_AT
from live_mission.decisions import ACCOUNT_FACTS_REUSE, CLEAR_LISTING_REUSE
from live_mission.local_time import end_of_local_day, next_day_at
from tests.unit.fakes import FakeQuotaLedger

TIERS = {
    "basic": Limits(10, 600, 864_000),
    "advanced": Limits(20, 1_200, 1_728_000),
    "premium": Limits(30, 1_800, 2_592_000),
    "ultimate": Limits(50, 3_000, 4_320_000),
}
START = datetime(2026, 2, 9, 12, 0, tzinfo=UTC)  # the push: noon UTC, the evening in South-East Asia
REGISTRATION_HOURS = 72
FIRST_HOUR_SHARE = 0.2
TO_PREVIEW, TO_CLAIM, TO_ATTEMPT = 3.0, 20.0, 2.0  # seconds: the app's flow, and the event that starts an attempt
CLAIM_WAIT, ATTEMPT_WAIT = 3.0, 30.0  # the longest the registration and auto-creation functions wait for the quota
ROUTE_RATE = 20  # API Gateway's throttle on each reading route (template: RouteSettings), requests a second
CONTAINERS = 4  # containers of each function: each leases its own chunks of the day
ELIGIBILITY, PREVIEW, CLAIM = 0, 1, 2  # what a seller waits to do in the app


@dataclass
class Seller:
    zone: timezone
    arrived: float
    facts_at: float = -1e18  # when the platform last said the seller's account facts (reused for a while)
    clear_at: float = -1e18  # when a listing last found no active campaign
    claimed: float | None = None
    kept_waiting: bool = False  # the quota refused one of the app's requests (a 503)
    starts_at: float = 0.0
    deadline: float = 0.0
    created: float | None = None
    attempted: bool = False  # a create was sent (from then on, an attempt lists first)
    held: bool = False  # the last attempt was held back by the quota
    failed_for_quota: bool = False


@dataclass
class Outcome:
    tier: str
    sellers: int
    calls: Counter[str] = field(default_factory=Counter)
    refused_by_platform: int = 0
    claim_waits: list[float] = field(default_factory=list)
    created: int = 0
    created_before_start: int = 0
    never_registered: int = 0  # the quota kept them from claiming (503 SERVICE_BUSY) until registration closed
    closed_on: int = 0  # arrived too late for the app's flow to finish before registration closed, quota or not
    failed_for_quota: int = 0  # registered, then FAILED with ADS_QUOTA_USED_UP (Q3)
    alarms: dict[str, dict[float, float]] = field(default_factory=dict)  # UTC day: {threshold: when it was crossed}
    spent_at: dict[str, dict[str, float]] = field(default_factory=dict)  # UTC day: {purpose: when it found it spent}
    seconds: float = 0.0

    @property
    def registered(self) -> int:
        return self.sellers - self.never_registered - self.closed_on

    @property
    def calls_per_seller(self) -> float:
        return sum(self.calls.values()) / max(1, self.registered)


class Clock:
    """The simulation's one clock, read by the quota as the wall and as the service's clock."""

    def __init__(self) -> None:
        self.at = START.timestamp()

    def wall(self) -> float:
        return self.at

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.at, UTC)


class Platform:
    """TikTok's side: keeps the tier's three limits by the moment each call arrives."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.second: Counter[int] = Counter()
        self.minute: Counter[int] = Counter()
        self.day: Counter[str] = Counter()
        self.refused = 0

    def call(self, at: float) -> bool:
        second, day = int(at), datetime.fromtimestamp(at, UTC).date().isoformat()
        limits = self.limits
        if (
            self.second[second] >= limits.per_second
            or self.minute[second // 60] >= limits.per_minute
            or self.day[day] >= limits.per_day
        ):
            self.refused += 1
            return False
        self.second[second] += 1
        self.minute[second // 60] += 1
        self.day[day] += 1
        return True


class Simulation:
    def __init__(self, tier: str, sellers: int, seed: int = 2026) -> None:
        self.tier, self.limits = tier, TIERS[tier]
        self.rnd = random.Random(seed)
        self.clock = Clock()
        self.ledger = FakeQuotaLedger()
        self.platform = Platform(self.limits)
        self.outcome = Outcome(tier, sellers)
        limits = QuotaLimits(self.limits)
        self.fleet = {
            name: [
                AdsQuota(
                    limits,
                    self.ledger,
                    self.clock,
                    wall=self.clock.wall,
                    sleep=lambda _: None,
                    on_day_used=self._day_used,
                )
                for _ in range(CONTAINERS)
            ]
            for name in ("eligibility", "registration", "auto_creation")
        }
        start = START.timestamp()
        zones = [timezone(timedelta(hours=h)) for h in range(-10, 15)]
        first = int(sellers * FIRST_HOUR_SHARE)
        arrivals = [start + self.rnd.uniform(0, 3600) for _ in range(first)]
        arrivals += [
            start + 3600 + self.rnd.uniform(0, (REGISTRATION_HOURS - 1) * 3600) for _ in range(sellers - first)
        ]
        arrivals.sort()
        self.sellers = [Seller(self.rnd.choice(zones), at) for at in arrivals]
        self.closes = start + REGISTRATION_HOURS * 3600
        self.ends = self.closes + 36 * 3600  # the last registrations' local days and starts
        self.later: list[tuple[float, int, int]] = []  # (when, seller, step): the app's next request
        self.waiting: dict[int, list[int]] = {ELIGIBILITY: [], PREVIEW: [], CLAIM: []}
        self.attempts: list[tuple[float, int]] = []  # (due, seller): the retry index, oldest first
        self.next_arrival = 0

    # --- the quota, as each function asks it --------------------------------------------------------

    def _day_used(self, percent: float) -> None:
        crossed = self.outcome.alarms.setdefault(self.clock.now().date().isoformat(), {})
        for threshold in DAY_ALARMS:
            if percent >= threshold:
                crossed.setdefault(threshold, self.clock.at)

    def _ask(self, function: str, seller: int, purpose: Purpose, operation: str, wait: float) -> float | None:
        """The moment the call is sent, or None when the quota has none for it within `wait` seconds."""
        quota = self.fleet[function][seller % CONTAINERS]
        decision = quota.decide(purpose, operation, latest=self.clock.at + wait)
        if not isinstance(decision, Admitted):
            if decision.day_spent:
                spent = self.outcome.spent_at.setdefault(self.clock.now().date().isoformat(), {})
                spent.setdefault(purpose.name.lower(), self.clock.at)
            return None
        if not self.platform.call(decision.at):
            self.outcome.refused_by_platform += 1
            return None
        self.outcome.calls[operation] += 1
        return decision.at

    # --- the app's flow ---------------------------------------------------------------------------

    def _step(self, index: int, step: int) -> bool:
        """One request of the app for a seller; False when it was refused (503) and must be tried again."""
        seller, now = self.sellers[index], self.clock.at
        purpose, function = (Purpose.CLAIM, "registration") if step == CLAIM else (Purpose.READ, "eligibility")
        wait = CLAIM_WAIT
        if now - seller.facts_at > ACCOUNT_FACTS_REUSE.total_seconds():
            at = self._ask(function, index, purpose, "account_status", wait)
            if at is None:
                return False
            seller.facts_at = at
        if step == ELIGIBILITY:
            heapq.heappush(self.later, (now + TO_PREVIEW, index, PREVIEW))
            return True
        if now - seller.clear_at > CLEAR_LISTING_REUSE.total_seconds():
            at = self._ask(function, index, purpose, "list_campaigns", wait)
            if at is None:
                return False
            seller.clear_at = at
        if step == PREVIEW:
            heapq.heappush(self.later, (now + TO_CLAIM, index, CLAIM))
            return True
        if now >= self.closes:
            return True  # the mission closed while the seller waited: never registered
        seller.claimed = now
        local_start = next_day_at(self.clock.now(), seller.zone, GO_LIVE_AT)
        seller.starts_at = local_start.timestamp()
        seller.deadline = end_of_local_day(self.clock.now(), seller.zone).timestamp()
        self.outcome.claim_waits.append(now - seller.arrived)
        heapq.heappush(self.attempts, (now + TO_ATTEMPT, index))
        return True

    def _serve(self, step: int) -> None:
        """The sellers waiting to make a request, in no particular order, as far as the route lets through."""
        pool = self.waiting[step]
        for _ in range(ROUTE_RATE if step != CLAIM else len(pool)):
            if not pool:
                return
            pick = self.rnd.randrange(len(pool))
            pool[pick], pool[-1] = pool[-1], pool[pick]
            index = pool.pop()
            if not self._step(index, step):
                self.sellers[index].kept_waiting = True
                pool.append(index)
                return  # the quota has no call for this route's purpose now: the others wait too

    # --- auto-creation --------------------------------------------------------------------------

    def _attempt(self, index: int) -> None:
        seller, now = self.sellers[index], self.clock.at
        if seller.created is not None or seller.failed_for_quota:
            return
        if now >= seller.deadline and seller.held:
            seller.failed_for_quota = True  # A8's give-up, Q3: the quota kept every attempt from the platform
            self.outcome.failed_for_quota += 1
            return
        purpose = creating(datetime.fromtimestamp(seller.starts_at, UTC), self.clock.now())
        fresh = not seller.attempted and now - seller.clear_at <= CLEAR_LISTING_REUSE.total_seconds()
        operations = ["create_campaign"] if fresh else ["list_campaigns", "create_campaign"]
        for operation in operations:
            at = self._ask("auto_creation", index, purpose, operation, ATTEMPT_WAIT)
            if at is None:  # held back (Q3): due again on the sweep's next minute
                seller.held = True
                following = math.floor(now / 60 + 1) * 60
                heapq.heappush(self.attempts, (min(following, seller.deadline), index))
                return
            if operation == "list_campaigns":
                seller.clear_at = at
        seller.attempted, seller.held, seller.created = True, False, now
        self.outcome.created += 1
        if now < seller.starts_at:
            self.outcome.created_before_start += 1

    # --- the clock --------------------------------------------------------------------------------

    def run(self) -> Outcome:
        started = time.monotonic()
        while self.clock.at < self.ends:
            now = self.clock.at
            while self.next_arrival < len(self.sellers) and self.sellers[self.next_arrival].arrived <= now:
                if now < self.closes:
                    self.waiting[ELIGIBILITY].append(self.next_arrival)
                self.next_arrival += 1
            while self.later and self.later[0][0] <= now:
                _, index, step = heapq.heappop(self.later)
                self.waiting[step].append(index)
            while self.attempts and self.attempts[0][0] <= now:
                self._attempt(heapq.heappop(self.attempts)[1])
            for step in self.rnd.sample((CLAIM, PREVIEW, ELIGIBILITY), 3):
                self._serve(step)
            if self.clock.at >= self.closes:
                for step in (ELIGIBILITY, PREVIEW, CLAIM):
                    self.waiting[step].clear()
            self.clock.at = now + 1.0
            if not any(
                (self.waiting[ELIGIBILITY], self.waiting[PREVIEW], self.waiting[CLAIM], self.attempts, self.later)
            ) and self.next_arrival >= len(self.sellers):
                break
        flow = TO_PREVIEW + TO_CLAIM
        unclaimed = [s for s in self.sellers if s.claimed is None]
        self.outcome.closed_on = sum(1 for s in unclaimed if s.arrived > self.closes - flow)
        self.outcome.never_registered = len(unclaimed) - self.outcome.closed_on
        self.outcome.refused_by_platform = self.platform.refused
        self.outcome.seconds = time.monotonic() - started
        return self.outcome


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def print_outcome(outcome: Outcome) -> None:
    created_share = 100 * outcome.created_before_start / max(1, outcome.registered)
    limits = TIERS[outcome.tier]
    print(
        f"\n{outcome.tier} ({limits.per_second}/s, {limits.per_minute:,}/min, {limits.per_day:,}/day), "
        f"{outcome.sellers:,} sellers ({outcome.seconds:.0f} s of simulation here)"
    )
    rows = [
        ("registered", f"{outcome.registered:,} ({100 * outcome.registered / outcome.sellers:.1f} %)"),
        ("campaigns created before their 08:00 local start", f"{created_share:.2f} % of those registered"),
        ("Ads calls a seller (registered)", f"{outcome.calls_per_seller:.2f}"),
        ("by operation", ", ".join(f"{k} {v:,}" for k, v in sorted(outcome.calls.items()))),
        (
            "claim's wait, first request to registered (p50, p99)",
            f"{percentile(outcome.claim_waits, 0.5):,.0f} s, {percentile(outcome.claim_waits, 0.99):,.0f} s",
        ),
        (
            "without a campaign, all for the quota",
            f"{outcome.never_registered:,} kept from claiming (503 SERVICE_BUSY), "
            f"{outcome.failed_for_quota:,} FAILED ADS_QUOTA_USED_UP",
        ),
        ("arrived as registration closed (no time to claim)", f"{outcome.closed_on:,}"),
        ("refused by the platform (40100)", f"{outcome.refused_by_platform}"),
    ]
    for day in sorted(outcome.spent_at.keys() | outcome.alarms.keys()):
        alarms = outcome.alarms.get(day, {})
        said = ", ".join(f"{t:g} % at {_hhmm(at)}" for t, at in sorted(alarms.items()) if at is not None)
        spent = ", ".join(f"{p} {_hhmm(at)}" for p, at in sorted(outcome.spent_at.get(day, {}).items(), key=_second))
        if said or spent:
            rows.append((f"{day} UTC: alarms; purposes held for the day", f"{said or 'none'}; {spent or 'none'}"))
    for name, value in rows:
        print(f"  {name:<56}{value}")


def _second(item: tuple[str, float]) -> float:
    return item[1]


def _hhmm(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%H:%M")


def mega() -> None:
    sizes = [int(s) for s in os.environ.get("BENCH_MEGA_SELLERS", "100000,1000000").split(",")]
    tiers = os.environ.get("BENCH_MEGA_TIERS", "basic,ultimate").split(",")
    print(
        "\n(f) A mega campaign on a simulated clock: the fleet's own quota, priority and scheduling code against a "
        "platform keeping the tier's limits\n    (a fifth of the sellers in the first hour, the rest over three days, "
        "zones UTC-10 to UTC+14; eligibility, preview, claim)"
    )
    last: Outcome | None = None
    for sellers in sizes:
        for tier in tiers:
            last = Simulation(tier, sellers).run()
            print_outcome(last)
    if last is not None:
        created = 100 * last.created_before_start / max(1, last.registered)
        print(
            f"mega: sellers={last.sellers} tier={last.tier} created_before_start={created:.2f} "
            f"claim_wait_p99_s={percentile(last.claim_waits, 0.99):.0f} "
            f"ads_calls_per_seller={last.calls_per_seller:.2f}"
        )
