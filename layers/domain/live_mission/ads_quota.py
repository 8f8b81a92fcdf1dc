"""The Ads platform's quota, kept by the whole fleet (Q1, Q2, Q3).

TikTok API for Business limits each developer app per wall-clock second, per wall-clock minute and per UTC day
(Basic, every app's default: 10 / 600 / 864,000), and some endpoints lower still. Every Ads call is first
admitted here, so that no second, minute or day of the fleet's calls holds more than the quota, however far
Lambda scales and through lost answers and retries:

- Seconds and minutes: one counter item per wall-clock minute, with a count per second. A call takes its slot
  with one conditional ADD (its second's count and the minute's below what its purpose may fill, no pause in
  force); a refusal returns the counts, so the caller knows at once the next second with room for it.
  Calls of a second are spread over its first four fifths, so that one the host or the network delays still
  arrives in its second.
- Days: one counter item per UTC day (of the service's clock), leased in chunks, so a container writes it
  once every few dozen calls; what a container leased and did not send is never sent by anyone else.
- A write applied twice (its answer lost, then retried) only counts a call nobody sends: never over the quota.

Q2, which calls go first when the quota binds: each purpose may fill every window only up to its share of
it (SHARES). A switch-off after an opt-out may take everything, a creation whose 08:00 start is near almost
everything, a claim two thirds, eligibility and preview reads less, status look-ups least. So a third of
every second, minute and day is always kept for switch-offs and creations, which reads can never spend:
in the app's flow a seller makes two reads (eligibility, preview; the claim reuses them) and one create, so
creations are a third of the calls of a burst, and keeping a third for them means a burst of claims never
starves the campaigns it leads to.

Q1, the platform's word over ours: the app's quota may be shared with other systems, so the platform may
refuse (40100) before the fleet's own count is spent. The fleet then slows as TikTok advises. A refusal pauses
the rest of that second, and the fleet sends no more calls a second than went through before it, for the rest
of that minute (the app's second is shared). When nothing at all goes through in two seconds of a minute
(their first calls refused), the minute's quota is spent: the rest of the minute is paused, and for the next
LEARNED_MINUTES minutes the fleet sends no more calls a minute than went through in it (what the others leave
of the app's minute), so that it is not refused again every minute; then it tries the whole quota again. When
that happens in the first seconds of the minute after a spent one, the day's is spent: the fleet pauses until
00:00 UTC, trying one call every ten minutes so that a pause inferred wrongly does not cost the rest of the day.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

from .ads import AdsQuotaBusy
from .ports import Clock, QuotaLedger, StorageBusy

EDGE = 0.2  # no call starts in a second's last fifth: sent then, it could reach the platform in the next one
SOON = timedelta(hours=12)  # a creation whose campaign starts within this is urgent (Q2)
DAY_PROBE_EVERY = timedelta(minutes=10)  # while the day is spent: one call tries whether it came back
DAY_SPENT_WITHIN_SECONDS = 5  # refused this early in the minute after a minute's pause: the day is spent
BOOK_AHEAD_SECONDS = 2  # a slot is taken at most this far ahead of its second
LEARNED_MINUTES = 5  # Q1: how long a minute's quota found spent caps the fleet's minutes (TikTok's advised pause)
DAY_READ_EVERY_SECONDS = 60  # a container reads the day's counter at least this often


class Purpose(StrEnum):
    """What an Ads call is for, in the order the quota serves them when it binds (Q2)."""

    SWITCH_OFF = "switch_off"  # A10: a campaign the seller opted out of (their money)
    CREATE_SOON = "create_soon"  # a campaign whose 08:00 start is within SOON
    CREATE = "create"  # creating a campaign, or knowing whether one was created
    CLAIM = "claim"
    READ = "read"  # eligibility, the campaign preview, the ROI recommendation
    STATUS = "status"  # whose campaign a status report is about


# Q2: how far into each window (second, minute, day) a purpose may fill it.
SHARES: dict[Purpose, float] = {
    Purpose.SWITCH_OFF: 1.0,
    Purpose.CREATE_SOON: 0.98,
    Purpose.CREATE: 0.90,
    Purpose.CLAIM: 0.67,
    Purpose.READ: 0.62,
    Purpose.STATUS: 0.40,
}

# Q3: the alarms on the day's use, AdsQuotaUsedToday in percent (template: AdsQuotaReadsAlarm, AdsQuotaDayAlarm).
# The first at 80 % of what eligibility and preview may spend, so a person hears before sellers are turned away
# for the rest of the day; the second at 80 % of the day, before creations are held back.
DAY_ALARMS = (round(80 * SHARES[Purpose.READ]), 80)


def creating(starts_at: datetime | None, now: datetime) -> Purpose:
    """The purpose of a creation: urgent when its campaign goes live soon (the soonest 08:00 start first)."""
    return Purpose.CREATE_SOON if starts_at is None or starts_at - now <= SOON else Purpose.CREATE


@dataclass(frozen=True)
class Limits:
    """Calls a wall-clock second, a wall-clock minute and a UTC day; 0 is no limit."""

    per_second: int = 0
    per_minute: int = 0
    per_day: int = 0

    @property
    def any(self) -> bool:
        return bool(self.per_second or self.per_minute or self.per_day)


def allowance(limit: int, purpose: Purpose, *, within_a_second: bool = False) -> int:
    """How many calls of a window (of `limit` calls) a purpose may fill it up to; 0 when the limit is none.
    A second's share is rounded up, so that a small per-second limit loses no whole call to the rounding."""
    if not limit:
        return 0
    share = limit * SHARES[purpose]
    return max(1, math.ceil(share) if within_a_second else math.floor(share))


@dataclass(frozen=True)
class QuotaLimits:
    """The app's limits, and the lower ones TikTok sets for some endpoints (by operation name)."""

    app: Limits
    endpoints: dict[str, Limits] = field(default_factory=dict)

    @staticmethod
    def parse_endpoints(text: str) -> dict[str, Limits]:
        """`create_campaign=5/300/0,list_campaigns=8/480/0`: per second / per minute / per day, 0 for none."""
        found: dict[str, Limits] = {}
        for entry in filter(None, (part.strip() for part in text.split(","))):
            operation, _, figures = entry.partition("=")
            second, minute, day = (int(f) for f in figures.split("/"))
            found[operation.strip()] = Limits(second, minute, day)
        return found


@dataclass(frozen=True)
class Ask:
    """One call's ask of a minute's counter: a slot in `second` of `minute` (epoch minutes), while its second
    and minute (and its endpoint's) hold fewer calls than its purpose may fill them with."""

    minute: int
    second: int
    second_allowance: int  # 0: no limit
    minute_allowance: int
    endpoint: str | None = None
    endpoint_second_allowance: int = 0
    endpoint_minute_allowance: int = 0
    now: float = 0.0  # epoch seconds: a pause that ends after it refuses the ask


@dataclass(frozen=True)
class MinuteTally:
    """A minute's counter after an ask: whether the ask got its slot (and its place in its second), and what
    the minute holds (the calls of each second, the minute's, the endpoint's, the pause in force)."""

    granted: bool
    place: int = 0  # 1 for the second's first call
    by_second: dict[int, int] = field(default_factory=dict)
    calls: int = 0
    endpoint_by_second: dict[int, int] = field(default_factory=dict)
    endpoint_calls: int = 0
    paused_until: float = 0.0
    second_cap: int = 0  # learned from the platform's refusals: no second of the minute holds more (0: none)
    refused_first: frozenset[int] = frozenset()  # seconds whose first call the platform refused
    refused: int = 0  # calls of the minute the platform refused

    @property
    def went_through(self) -> int:
        """The calls of the minute the platform did not refuse (so far as the fleet was told)."""
        return self.calls - self.refused


@dataclass(frozen=True)
class DayTally:
    """A day's counter after a lease: the calls granted to this container, those leased by the fleet in all,
    and the pause in force when the platform said the day is spent."""

    granted: int
    leased: int
    paused_until: datetime | None = None
    minute_spent: int | None = None  # the last minute the fleet paused because its quota was spent
    minute_cap: int = 0  # the calls that went through in that minute: the most a minute takes for a while

    def minute_cap_for(self, minute: int) -> int:
        """Q1: the cap the platform's refusals set on this minute (0: none)."""
        spent = self.minute_spent
        return self.minute_cap if spent is not None and spent < minute <= spent + LEARNED_MINUTES else 0


@dataclass(frozen=True)
class DayPause:
    """A day's pause as the ledger holds it (None: none in force), and whether this caller is its probe."""

    paused_until: datetime | None
    probe: bool = False


@dataclass(frozen=True)
class QuotaUse:
    """What the fleet used: of the day (calls leased, at least those sent), and of each of some minutes."""

    used_today: int
    by_minute: dict[int, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Forecast:
    """Q3, for operators: today's use of the day's quota, the pace of the last minutes, and when the day's
    quota runs out at that pace (None: not before 00:00 UTC, or no limit)."""

    used_today: int
    day_share_used: float  # percent
    pace_per_minute: float
    runs_out_at: datetime | None


PACE_MINUTES = 10  # the pace is the mean of the last ten whole minutes


def forecast(limits: Limits, use: QuotaUse, now: datetime) -> Forecast:
    pace = sum(use.by_minute.values()) / max(1, len(use.by_minute))
    share = 100 * use.used_today / limits.per_day if limits.per_day else 0.0
    runs_out_at = None
    if limits.per_day and pace > 0:
        left = max(0, limits.per_day - use.used_today)
        moment = now + timedelta(minutes=left / pace)
        midnight = datetime.combine(now.astimezone(UTC).date() + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
        runs_out_at = moment if moment < midnight else None
    return Forecast(use.used_today, round(share, 2), round(pace, 2), runs_out_at)


@dataclass(frozen=True)
class Admitted:
    at: float  # epoch seconds: when to send the call


@dataclass(frozen=True)
class Held:
    until: float  # epoch seconds: the earliest moment the call may be admitted
    day_spent: bool = False  # held until the UTC day's quota comes back


class AdsQuota:
    def __init__(
        self,
        limits: QuotaLimits,
        ledger: QuotaLedger,
        clock: Clock,
        *,
        chunk: int | None = None,
        wall: Callable[[], float] = time.time,  # every container counts the same seconds and minutes
        sleep: Callable[[float], None] = time.sleep,
        on_day_used: Callable[[float], None] | None = None,
    ) -> None:
        self.limits = limits
        self._ledger = ledger
        self._clock = clock  # the service's clock: whose UTC date the day's quota is counted on
        self._wall = wall
        self._sleep = sleep
        # A day's quota is leased in chunks of about a ten-thousandth of it, at most 100 calls.
        self._chunk = chunk or max(1, min(100, limits.app.per_day // 10_000))
        self._day: date | None = None
        self._left: dict[Purpose, int] = {}  # calls of the day leased to this container and not yet sent
        self._day_paused_until: datetime | None = None
        self._on_day_used = on_day_used
        self._last_admitted: tuple[int, int, int] | None = None  # minute, second and place of the last call
        self._learned = DayTally(0, 0)  # the day as last read: the minute cap the platform's refusals set
        self._day_read_at = -math.inf  # wall time the day's counter was last read or written

    # --- one call -------------------------------------------------------------------------------

    def admit(self, purpose: Purpose, operation: str, max_wait: float) -> None:
        """Returns when the call may be sent; raises AdsQuotaBusy, having sent nothing, when its moment is
        further off than `max_wait` seconds (its `retry_after` is the real wait)."""
        give_up = self._wall() + max_wait
        while True:
            decision = self.decide(purpose, operation, latest=give_up)
            now = self._wall()
            if isinstance(decision, Admitted):
                if decision.at > now:
                    self._sleep(decision.at - now)
                return
            if decision.until > give_up:
                raise AdsQuotaBusy(
                    f"{operation}: the Ads quota has no call for {purpose} before {decision.until:.0f}",
                    retry_after=max(0.0, decision.until - now),
                    day_spent=decision.day_spent,
                )
            self._sleep(max(0.0, decision.until - now))

    def decide(self, purpose: Purpose, operation: str, *, latest: float = math.inf) -> Admitted | Held:
        """The call's moment, taken (Admitted), or when to ask again (Held), taking nothing. At most a few writes
        of the minute's counter, and one of the day's every chunk of calls. No slot is taken for a second after
        `latest`. While the counters cannot be written (DynamoDB keeps refusing) nothing is admitted: asked
        again a second later."""
        try:
            return self._decide(purpose, operation, latest)
        except StorageBusy:
            return Held(self._wall() + 1)

    def _decide(self, purpose: Purpose, operation: str, latest: float) -> Admitted | Held:
        held = self._day_allows(purpose)
        if held is not None:
            return held
        now = self._wall()
        minute, offset = divmod(now, 60)
        second = int(offset) if offset % 1 < 1 - EDGE else int(offset) + 1
        if second >= 60:
            minute, second = minute + 1, 0
        ask = self._ask(int(minute), second, purpose, operation, now)
        for _ in range(3):  # another container may take the slot first; the tally says where to go next
            tally = self._ledger.take(ask)
            if tally.granted:
                if self.limits.app.per_day:
                    self._left[purpose] -= 1
                self._last_admitted = (ask.minute, ask.second, tally.place)
                spread = (1 - EDGE) / max(ask.second_allowance or 1, 1)
                return Admitted(ask.minute * 60 + ask.second + (tally.place - 1) * spread)
            if tally.paused_until > now:
                # The fleet is pausing for the platform's word: the minute's quota or the day's is spent (Q1).
                self._learned = self._ledger.day(self._today())
                paused = self._learned.paused_until
                if paused is not None and paused > self._clock.now() and self.limits.app.per_day:
                    self._day_paused_until = paused
                    return self._held_until(paused, self._clock.now())
            following = self._next_room(ask, tally, purpose)
            if following - now > BOOK_AHEAD_SECONDS or following > latest:
                return Held(following)
            minute, second = divmod(int(following), 60)
            ask = self._ask(minute, second, purpose, operation, now)
        return Held(ask.minute * 60 + ask.second)

    def platform_throttled(self, operation: str) -> None:
        """The platform refused a call as too frequent (40100): the app's quota is used elsewhere too. The
        fleet slows as TikTok advises (Q1): the rest of the second (and at most as many calls a second as
        went through before it, for the rest of the minute), the rest of the minute, or the day."""
        if self._last_admitted is None:
            return
        minute, second, place = self._last_admitted
        first = place == 1  # the second's first call refused: the second's own share is not what is spent
        before = self._ledger.throttled(minute, second, first_of_second=first, cap=max(1, place - 1))
        if not (first and before.refused_first):
            self._ledger.pause_minute(minute, minute * 60.0 + second + 1)
            return
        # Nothing at all went through in two seconds of this minute: its quota is spent.
        if second < DAY_SPENT_WITHIN_SECONDS and self._ledger.day(self._today()).minute_spent == minute - 1:
            # And in the first seconds of the minute after a spent one: the day's quota is spent.
            until = self._next_midnight()
            self._ledger.pause_day(self._today(), until)
            self._day_paused_until = until
            self._ledger.pause_minute(minute, (minute + 1) * 60.0)
            return
        # What went through in it caps the minutes that follow for a while.
        self._ledger.pause_minute(minute, (minute + 1) * 60.0)
        sent = max(1, before.went_through - 1)  # this refused call is counted in `calls`, not yet in `refused`
        self._ledger.note_minute_spent(self._today(), minute, sent)
        self._learned = DayTally(0, 0, minute_spent=minute, minute_cap=sent)

    def platform_answered(self) -> None:
        """A call went through: a day's pause that let it through as a probe is over."""
        if self._day_paused_until is not None:
            self._ledger.lift_day_pause(self._today())
            self._day_paused_until = None

    # --- the day ----------------------------------------------------------------------------------

    def _day_allows(self, purpose: Purpose) -> Held | None:
        """None when the day's quota has a call for this purpose (leasing a chunk of it when this container
        has none left); else when to ask again."""
        if not self.limits.app.per_day:
            return None
        today, now = self._today(), self._clock.now()
        if today != self._day:
            self._day, self._left, self._day_paused_until = today, {}, None
        if self._day_paused_until is None and self._wall() - self._day_read_at > DAY_READ_EVERY_SECONDS:
            # A chunk may last long: what another container found of the day (spent, a minute's cap) is read
            # at least once a minute.
            self._learned = self._ledger.day(today)
            self._day_read_at = self._wall()
            if self._learned.paused_until is not None and self._learned.paused_until > now:
                self._day_paused_until = self._learned.paused_until
        if self._day_paused_until is not None and now < self._day_paused_until:
            pause = self._ledger.probe(today, now, DAY_PROBE_EVERY)
            self._day_paused_until = pause.paused_until
            if pause.paused_until is not None and not pause.probe:
                return self._held_until(pause.paused_until, now)
        if self._left.get(purpose, 0) > 0:
            return None
        tally = self._ledger.lease_day(today, self._chunk, allowance(self.limits.app.per_day, purpose))
        self._learned, self._day_read_at = tally, self._wall()
        if self._on_day_used is not None:
            self._on_day_used(100 * tally.leased / self.limits.app.per_day)
        if tally.paused_until is not None and tally.paused_until > now and self._day_paused_until is None:
            self._day_paused_until = tally.paused_until  # another container found the day spent
            self._left[purpose] = tally.granted
            return self._held_until(tally.paused_until, now)
        self._left[purpose] = tally.granted
        if tally.granted == 0:
            return self._held_until(self._next_midnight(), now)
        return None

    def _held_until(self, moment: datetime, now: datetime) -> Held:
        return Held(self._wall() + (moment - now).total_seconds(), day_spent=True)

    def _today(self) -> date:
        return self._clock.now().astimezone(UTC).date()

    def _next_midnight(self) -> datetime:
        return datetime.combine(self._today() + timedelta(days=1), datetime.min.time(), tzinfo=UTC)

    # --- seconds and minutes ---------------------------------------------------------------------

    def _ask(self, minute: int, second: int, purpose: Purpose, operation: str, now: float) -> Ask:
        app, endpoint = self.limits.app, self.limits.endpoints.get(operation)
        per_minute = min(filter(None, (app.per_minute, self._learned.minute_cap_for(minute))), default=0)
        return Ask(
            minute=minute,
            second=second,
            second_allowance=allowance(app.per_second, purpose, within_a_second=True),
            minute_allowance=allowance(per_minute, purpose),
            endpoint=operation if endpoint else None,
            endpoint_second_allowance=allowance(endpoint.per_second, purpose, within_a_second=True) if endpoint else 0,
            endpoint_minute_allowance=allowance(endpoint.per_minute, purpose) if endpoint else 0,
            now=now,
        )

    @staticmethod
    def _next_room(ask: Ask, tally: MinuteTally, purpose: Purpose) -> float:
        """The first moment after a refused ask at which its purpose has room: a later second of the minute,
        the next minute, or the end of a pause."""
        start = max(float(ask.minute * 60 + ask.second + 1), tally.paused_until)
        if (ask.minute_allowance and tally.calls >= ask.minute_allowance) or (
            ask.endpoint_minute_allowance and tally.endpoint_calls >= ask.endpoint_minute_allowance
        ):
            return max(start, (ask.minute + 1) * 60.0)
        moment = start
        per_second = min(filter(None, (ask.second_allowance, tally.second_cap)), default=0)
        while moment < (ask.minute + 1) * 60:
            second = int(moment) % 60
            full = per_second and tally.by_second.get(second, 0) >= per_second
            endpoint_full = (
                ask.endpoint_second_allowance
                and tally.endpoint_by_second.get(second, 0) >= ask.endpoint_second_allowance
            )
            if not full and not endpoint_full:
                return float(int(moment))
            moment = float(int(moment) + 1)
        return (ask.minute + 1) * 60.0
