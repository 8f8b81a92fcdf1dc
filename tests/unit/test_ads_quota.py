"""The fleet's Ads quota: containers lease it window by window, so no wall-clock second holds more than
the quota, and what one container leaves idle another uses."""

from __future__ import annotations

import math
import threading
from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from live_mission.ads_quota import EDGE_SECONDS, WINDOW_SECONDS, AdsQuota

from .fakes import FakeQuotaLedger


class Container:
    """One container of the fleet with a clock of its own: simulated containers run side by side, each
    sleeping on its own time, and share only the ledger."""

    def __init__(self, ledger: FakeQuotaLedger, quota: int, most: int, start: float = 1000.0) -> None:
        self.now = start
        self.sent: list[float] = []
        self.quota = AdsQuota(quota, ledger, most=most, now=lambda: self.now, sleep=self._sleep)

    def _sleep(self, seconds: float) -> None:
        self.now += seconds

    def call(self, max_wait_seconds: float = 60) -> bool:
        admitted = self.quota.wait(max_wait_seconds)
        if admitted:
            self.sent.append(self.now)
        return admitted


def run_side_by_side(containers: list[Container], service_seconds: list[float], until: float) -> None:
    """Each container calls, works `service_seconds` and calls again; the one furthest behind goes next,
    so the ledger sees the leases in the order of the containers' clocks."""
    while True:
        container = min(containers, key=lambda c: c.now)
        if container.now >= until:
            return
        container.call()
        container.now += service_seconds[containers.index(container)]


def per_second(containers: list[Container]) -> Counter[int]:
    return Counter(math.floor(t) for c in containers for t in c.sent)


@given(
    quota=st.integers(min_value=1, max_value=60),
    most=st.integers(min_value=1, max_value=60),
    paces=st.lists(st.floats(min_value=0.001, max_value=0.7), min_size=1, max_size=6),
)
def test_no_wall_clock_second_holds_more_than_the_quota(quota: int, most: int, paces: list[float]) -> None:
    ledger = FakeQuotaLedger()
    fleet = [Container(ledger, quota, most, start=1000.0 + i * 0.13) for i in range(len(paces))]
    run_side_by_side(fleet, paces, until=1012.0)
    assert max(per_second(fleet).values()) <= quota
    for container in fleet:  # nor any container more than it may lease
        assert max(Counter(math.floor(t) for t in container.sent).values()) <= min(most, quota)
    assert all(granted <= quota for granted in ledger.granted.values())


def test_a_busy_fleet_uses_nine_tenths_of_the_quota_and_a_lease_a_window_each() -> None:
    """Four containers that could send 48 calls a second between them share a quota of 30."""
    ledger = FakeQuotaLedger()
    fleet = [Container(ledger, 30, most=13, start=1000.0 + i * 0.05) for i in range(4)]
    run_side_by_side(fleet, [1 / 12] * 4, until=1060.0)
    counts = per_second(fleet)
    assert max(counts.values()) <= 30
    steady = [counts[s] for s in range(1002, 1060)]
    assert sum(steady) >= 0.9 * 30 * len(steady), steady
    assert ledger.leases <= 4 * (60 / WINDOW_SECONDS) * 2


def test_what_an_idle_function_leaves_is_used_by_a_busy_one() -> None:
    """One container alone may send its whole ceiling; nothing is kept for containers that do not call."""
    ledger = FakeQuotaLedger()
    alone = Container(ledger, 30, most=27)
    run_side_by_side([alone], [0.001], until=1010.0)
    counts = per_second([alone])
    assert [counts[s] for s in range(1002, 1010)] == [27] * 8


def test_a_slow_container_leases_its_pace_not_its_ceiling() -> None:
    ledger = FakeQuotaLedger()
    slow = Container(ledger, 30, most=20)
    run_side_by_side([slow], [0.25], until=1020.0)  # four calls a second
    assert all(ledger.leased[w] <= 5 for w in range(1004 // WINDOW_SECONDS, 1020 // WINDOW_SECONDS))


def test_a_call_whose_moment_is_further_off_than_the_caller_waits_is_refused_and_takes_nothing() -> None:
    ledger = FakeQuotaLedger()
    greedy, late = Container(ledger, 5, most=5), Container(ledger, 5, most=5, start=1000.5)
    for _ in range(5):
        assert greedy.call(max_wait_seconds=1)
    assert greedy.now < 1001  # five calls spread over the first second: the window's quota is all leased
    assert not late.call(max_wait_seconds=0.4)  # nothing left before 1002, the next window
    assert late.now == 1000.5 and late.sent == []
    assert ledger.granted[500] == 5
    assert late.call(max_wait_seconds=1.6) and late.sent == [1002.0]


def test_a_ledger_that_cannot_be_reached_admits_nothing() -> None:
    class Unreachable(FakeQuotaLedger):
        def lease(self, window: int, calls_per_second: int, quota: int) -> int:
            super().lease(window, calls_per_second, quota)
            return 0  # as the repository answers when DynamoDB keeps refusing

    container = Container(Unreachable(), 10, most=10)
    assert not container.call(max_wait_seconds=3)
    assert container.sent == []


def test_threads_of_one_container_share_its_lease() -> None:
    ledger = FakeQuotaLedger()
    clock = threading.Lock()
    now = [1000.0]

    def sleep(seconds: float) -> None:
        with clock:
            now[0] += seconds

    quota = AdsQuota(8, ledger, most=8, now=lambda: now[0], sleep=sleep)
    sent: list[float] = []
    sent_lock = threading.Lock()

    def call() -> None:
        assert quota.wait(60)
        with sent_lock:
            sent.append(now[0])

    workers = [threading.Thread(target=call) for _ in range(40)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert len(sent) == 40
    assert sum(ledger.granted.values()) <= 8 * (math.floor(max(sent)) // WINDOW_SECONDS - 1000 // WINDOW_SECONDS + 1)


def test_a_call_woken_past_its_seconds_edge_asks_again_rather_than_count_in_the_next_second() -> None:
    ledger = FakeQuotaLedger()
    starved = Container(ledger, 5, most=5)
    overshoot = [0.9]  # the first sleep ends 0.9 s late: the thread was kept off the CPU

    def sleep(seconds: float) -> None:
        starved.now += seconds + (overshoot.pop() if overshoot else 0.0)

    starved.quota = AdsQuota(5, ledger, most=5, now=lambda: starved.now, sleep=sleep)
    for _ in range(8):
        assert starved.call()
    assert starved.sent[:2] == [1000.0, 1001.3]  # admitted for 1000.4, woke in 1001: admitted again there
    assert max(Counter(math.floor(t) for t in starved.sent).values()) <= 5
    assert all(t - math.floor(t) < 1 - EDGE_SECONDS for t in starved.sent)
