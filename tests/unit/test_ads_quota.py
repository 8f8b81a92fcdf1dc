"""The fleet's Ads quota (Q1, Q2, Q3) on an in-memory ledger and a simulated clock: any number of containers
never send more than the quota in a wall-clock second, a wall-clock minute or a UTC day; the scarce calls go
to switch-offs and creations first; a refusal says the real wait; a platform that refuses slows the fleet."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from live_mission.ads import AdsQuotaBusy
from live_mission.ads_quota import (
    LEARNED_MINUTES,
    SHARES,
    Admitted,
    AdsQuota,
    Ask,
    Held,
    Limits,
    Purpose,
    QuotaLimits,
    QuotaUse,
    allowance,
    creating,
    forecast,
)
from live_mission.ports import StorageBusy

from .fakes import FakeQuotaLedger

START = datetime(2026, 2, 9, 6, 0, tzinfo=UTC).timestamp()  # 06:00 UTC: the day has hours left


class Time:
    """One simulated clock for the wall and the service: every container reads it, sleeping moves it."""

    def __init__(self, start: float = START) -> None:
        self.at = start

    def wall(self) -> float:
        return self.at

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.at, UTC)

    def sleep(self, seconds: float) -> None:
        self.at += max(0.0, seconds)


def _fleet(time: Time, ledger: FakeQuotaLedger, limits: Limits, containers: int) -> list[AdsQuota]:
    return [
        AdsQuota(QuotaLimits(limits), ledger, time, wall=time.wall, sleep=time.sleep, chunk=7)
        for _ in range(containers)
    ]


def _sent(fleet: list[AdsQuota], time: Time, calls: list[tuple[float, int, Purpose]]) -> list[tuple[float, Purpose]]:
    """Each call (when it is wanted, by which container, for what), asked in time order as each container asks
    it: admitted calls are sent at their moment, held ones ask again when told, up to an hour later."""
    sent: list[tuple[float, Purpose]] = []
    pending = sorted(calls)
    while pending:
        wanted, container, purpose = pending.pop(0)
        time.at = max(time.at, wanted)
        decision = fleet[container].decide(purpose, "list_campaigns")
        if isinstance(decision, Admitted):
            sent.append((decision.at, purpose))
        elif decision.until - calls[0][0] < 3600:
            pending.append((decision.until, container, purpose))
            pending.sort()
    return sent


@settings(max_examples=40, deadline=None)
@given(
    containers=st.integers(1, 6),
    per_second=st.integers(1, 12),
    per_minute_factor=st.integers(20, 70),
    seed=st.integers(0, 10_000),
)
def test_q1_no_second_or_minute_holds_more_than_the_quota_however_many_containers_ask(
    containers: int, per_second: int, per_minute_factor: int, seed: int
) -> None:
    # Given a fleet of containers and a burst of calls of every purpose, more than the quota can carry
    rnd = random.Random(seed)
    time, ledger = Time(), FakeQuotaLedger()
    limits = Limits(per_second, per_second * per_minute_factor, 0)
    fleet = _fleet(time, ledger, limits, containers)
    calls = [(START + rnd.uniform(0, 90), rnd.randrange(containers), rnd.choice(list(Purpose))) for _ in range(400)]

    # When each asks the quota
    sent = _sent(fleet, time, calls)

    # Then no wall-clock second and no minute holds more than the quota, and every call sent in its second's
    # first four fifths
    by_second = Counter(int(at) for at, _ in sent)
    by_minute = Counter(int(at) // 60 for at, _ in sent)
    assert max(by_second.values()) <= per_second and max(by_minute.values()) <= limits.per_minute
    assert all(at % 1 < 0.8 + 1e-9 for at, _ in sent)
    assert by_second == ledger.granted_by_second()  # a call is sent exactly when the ledger granted it


def test_q1_no_utc_day_holds_more_than_the_day_quota_and_it_comes_back_at_midnight() -> None:
    # Given a day quota of 100 and five containers leasing it in chunks, at 23:58 UTC
    time = Time(datetime(2026, 2, 9, 23, 58, tzinfo=UTC).timestamp())
    ledger = FakeQuotaLedger()
    fleet = _fleet(time, ledger, Limits(0, 0, 100), 5)
    calls = [(time.at + i * 0.5, i % 5, Purpose.SWITCH_OFF) for i in range(240)]

    # When they ask for more than a day's worth across midnight
    sent = _sent(fleet, time, calls)

    # Then each UTC day holds at most its quota, and the calls held at the first day's end go at 00:00
    by_day = Counter(datetime.fromtimestamp(at, UTC).date() for at, _ in sent)
    assert by_day[datetime(2026, 2, 9).date()] <= 100 and by_day[datetime(2026, 2, 10).date()] <= 100
    assert len(sent) > 100  # the next day's quota was used too


def test_q2_when_the_quota_binds_each_purpose_gets_at_most_its_share_and_switch_offs_always_get_through() -> None:
    # Given every purpose asking far more than a minute of 600 can carry
    time, ledger = Time(), FakeQuotaLedger()
    fleet = _fleet(time, ledger, Limits(10, 600, 0), 4)
    rnd = random.Random(7)
    calls = [(START + rnd.uniform(0, 60), rnd.randrange(4), p) for p in Purpose for _ in range(400)]

    # When they ask within one minute
    sent = [(at, p) for at, p in _sent(fleet, time, calls) if int(at) // 60 == int(START) // 60]

    # Then reads, claims and status look-ups together never pass their shares of the minute, a third of it is
    # left to switch-offs and creations, and switch-offs got calls
    by_purpose = Counter(p for _, p in sent)
    assert by_purpose[Purpose.READ] + by_purpose[Purpose.STATUS] <= allowance(600, Purpose.READ)
    assert sum(by_purpose[p] for p in (Purpose.READ, Purpose.STATUS, Purpose.CLAIM)) <= allowance(600, Purpose.CLAIM)
    assert by_purpose[Purpose.SWITCH_OFF] > 0 and sum(by_purpose.values()) == 600


def test_q2_the_soonest_start_is_the_more_urgent_creation() -> None:
    now = datetime(2026, 2, 9, 18, 0, tzinfo=UTC)
    assert creating(now + timedelta(hours=6), now) is Purpose.CREATE_SOON
    assert creating(now + timedelta(hours=20), now) is Purpose.CREATE
    assert SHARES[Purpose.CREATE_SOON] > SHARES[Purpose.CREATE] > SHARES[Purpose.CLAIM] > SHARES[Purpose.READ]
    # A second's share rounds up: a per-second limit of 10 loses no call to rounding; a minute's rounds down
    assert allowance(10, Purpose.READ, within_a_second=True) == 7 and allowance(600, Purpose.READ) == 372


@pytest.mark.parametrize(
    ("limits", "wait"),
    [(Limits(2, 0, 0), "the next second"), (Limits(0, 3, 0), "the next minute"), (Limits(0, 0, 3), "00:00 UTC")],
)
def test_q3_a_call_refused_for_the_quota_says_the_real_wait_and_takes_nothing(limits: Limits, wait: str) -> None:
    # Given the window spent by earlier calls: this second, this minute or this UTC day
    time, ledger = Time(START + 10.1), FakeQuotaLedger()
    quota = AdsQuota(QuotaLimits(limits), ledger, time, wall=time.wall, sleep=time.sleep, chunk=1)
    minute = int(time.at) // 60
    for _ in range(limits.per_second or limits.per_minute):
        ledger.take(Ask(minute, 10, limits.per_second, limits.per_minute, now=time.at))
    if limits.per_day:
        ledger.lease_day(time.now().date(), limits.per_day, limits.per_day)
    taken = ledger.takes

    # When a claim asks, willing to wait a second at most
    with pytest.raises(AdsQuotaBusy) as busy:
        quota.admit(Purpose.CLAIM, "account_status", max_wait=0.5)

    # Then it is told the wait to when its window has room again, and nothing was taken
    expected = {
        "the next second": 11.0 - 10.1,
        "the next minute": 60 - 10.1,
        "00:00 UTC": (datetime(2026, 2, 10, tzinfo=UTC).timestamp() - START) - 10.1,
    }[wait]
    assert busy.value.retry_after == pytest.approx(expected, abs=1.0) and busy.value.day_spent is (wait == "00:00 UTC")
    assert ledger.minutes[int(time.at) // 60]["calls"] == sum(ledger.minutes[int(time.at) // 60]["s"].values())
    assert ledger.takes - taken <= 3


def test_q1_an_endpoint_with_a_lower_limit_of_its_own_keeps_it() -> None:
    time, ledger = Time(), FakeQuotaLedger()
    limits = QuotaLimits(Limits(10, 600, 0), {"create_campaign": Limits(2, 60, 0)})
    quota = AdsQuota(limits, ledger, time, wall=time.wall, sleep=time.sleep)
    created = [d for d in (quota.decide(Purpose.SWITCH_OFF, "create_campaign") for _ in range(6))]
    listed = [d for d in (quota.decide(Purpose.SWITCH_OFF, "list_campaigns") for _ in range(6))]
    in_first_second = [d for d in created if isinstance(d, Admitted) and int(d.at) == int(START)]
    assert len(in_first_second) == 2 and all(isinstance(d, Admitted) for d in listed)


def _sent_and_refused(quota: AdsQuota, time: Time) -> Admitted | Held:
    """One call admitted, sent, and refused by the platform (40100)."""
    decision = quota.decide(Purpose.SWITCH_OFF, "list_campaigns")
    if isinstance(decision, Admitted):
        time.at = max(time.at, decision.at)
        quota.platform_throttled("list_campaigns")
    return decision


def test_q1_a_platform_that_refuses_slows_the_fleet_by_second_then_minute_then_day() -> None:
    # Given a fleet whose calls the platform refuses (the app's quota is used by other systems too)
    time, ledger = Time(START + 20.1), FakeQuotaLedger()
    fleet = _fleet(time, ledger, Limits(10, 600, 864_000), 2)
    minute = int(START) // 60

    # When the third call of a second is refused: the rest of the second is paused, and from then on the
    # fleet sends at most the two a second that went through
    for _ in range(2):
        assert isinstance(fleet[0].decide(Purpose.SWITCH_OFF, "list_campaigns"), Admitted)
    assert isinstance(_sent_and_refused(fleet[0], time), Admitted)
    assert isinstance(fleet[1].decide(Purpose.SWITCH_OFF, "list_campaigns"), Held)
    time.at = START + 21.05
    admitted = [fleet[1].decide(Purpose.SWITCH_OFF, "list_campaigns") for _ in range(3)]
    assert [int(d.at) for d in admitted if isinstance(d, Admitted) and int(d.at) == int(time.at)] == [int(time.at)] * 2

    # When nothing goes through in two seconds of the minute (their first calls refused): the minute's quota
    # is spent, the rest of the minute paused
    time.at = START + 25.05
    assert isinstance(_sent_and_refused(fleet[0], time), Admitted)
    time.at = START + 26.05
    assert isinstance(_sent_and_refused(fleet[1], time), Admitted)
    held = fleet[0].decide(Purpose.SWITCH_OFF, "list_campaigns")
    assert isinstance(held, Held) and held.until == pytest.approx((minute + 1) * 60)

    # When that happens again in the first seconds of the next minute: the day is spent until 00:00 UTC
    time.at = (minute + 1) * 60 + 0.05
    assert isinstance(_sent_and_refused(fleet[0], time), Admitted)
    time.at = (minute + 1) * 60 + 1.05
    assert isinstance(_sent_and_refused(fleet[1], time), Admitted)
    held = fleet[1].decide(Purpose.SWITCH_OFF, "list_campaigns")
    midnight = datetime(2026, 2, 10, tzinfo=UTC).timestamp()
    assert isinstance(held, Held) and held.day_spent and held.until == pytest.approx(midnight)

    # Then one call in ten minutes tries whether the quota came back; when it goes through, the fleet resumes
    time.sleep(600)
    probe = fleet[0].decide(Purpose.SWITCH_OFF, "list_campaigns")
    assert isinstance(probe, Admitted) and isinstance(fleet[1].decide(Purpose.SWITCH_OFF, "list_campaigns"), Held)
    fleet[0].platform_answered()
    time.sleep(1)
    assert isinstance(fleet[1].decide(Purpose.SWITCH_OFF, "list_campaigns"), Admitted)


def test_q1_a_minute_found_spent_caps_the_minutes_after_it_so_the_platform_is_not_refused_every_minute() -> None:
    # Given a fleet configured for 600 calls a minute while other systems leave it 120 of the app's minute
    time, ledger = Time(START), FakeQuotaLedger()
    fleet = _fleet(time, ledger, Limits(10, 600, 864_000), 2)
    leave, accepted, refused = 120, Counter[int](), Counter[int]()
    next_ask = [START, START]

    # When both containers keep asking for creations for LEARNED_MINUTES + 1 minutes, the platform refusing
    # beyond what it leaves
    while min(next_ask) < START + 60 * (LEARNED_MINUTES + 1):
        container = next_ask.index(min(next_ask))
        time.at = max(time.at, next_ask[container])
        decision = fleet[container].decide(Purpose.CREATE, "create_campaign")
        if isinstance(decision, Held):
            next_ask[container] = decision.until
            continue
        time.at = max(time.at, decision.at)
        minute = int(decision.at) // 60
        if accepted[minute] < leave:
            accepted[minute] += 1
            fleet[container].platform_answered()
        else:
            refused[minute] += 1
            fleet[container].platform_throttled("create_campaign")
        next_ask[container] = time.at

    # Then the first minute is refused a few calls, the minutes after it none, and they still send nearly what
    # the platform leaves (a creation's share of it)
    first = int(START) // 60
    later = range(first + 1, first + LEARNED_MINUTES + 1)
    assert 0 < refused[first] <= 5
    assert [refused[m] for m in later] == [0] * LEARNED_MINUTES
    assert all(accepted[m] >= allowance(leave - 5, Purpose.CREATE) for m in later)


def test_a_ledger_that_cannot_be_written_admits_nothing() -> None:
    class Unreachable(FakeQuotaLedger):
        def take(self, ask):  # type: ignore[no-untyped-def]
            raise StorageBusy("DynamoDB: ProvisionedThroughputExceededException")

    time = Time()
    quota = AdsQuota(QuotaLimits(Limits(10, 600, 0)), Unreachable(), time, wall=time.wall, sleep=time.sleep)
    decision = quota.decide(Purpose.SWITCH_OFF, "create_campaign")
    assert isinstance(decision, Held) and decision.until == pytest.approx(START + 1)


def test_q3_operators_see_the_days_use_and_when_it_runs_out_at_the_current_pace() -> None:
    now = datetime(2026, 2, 9, 14, 0, tzinfo=UTC)
    use = QuotaUse(used_today=800_000, by_minute={m: 400 for m in range(10)})
    seen = forecast(Limits(10, 600, 864_000), use, now)
    assert seen.day_share_used == pytest.approx(92.59) and seen.pace_per_minute == 400
    assert seen.runs_out_at == now + timedelta(minutes=64_000 / 400)  # 16:40 UTC
    slow = forecast(Limits(10, 600, 864_000), QuotaUse(800_000, {m: 100 for m in range(10)}), now)
    assert slow.runs_out_at is None  # at 100 a minute it lasts past 00:00 UTC
