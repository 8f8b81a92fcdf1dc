"""The Ads request rate: slots 1/rate apart, so no one-second window holds more than the limit."""

from __future__ import annotations

import threading

from hypothesis import example, given
from hypothesis import strategies as st

from live_mission.request_rate import RequestRate


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0
        self.lock = threading.Lock()

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self.lock:
            self.now += seconds


@given(
    per_second=st.integers(min_value=1, max_value=500),
    gaps=st.lists(st.floats(min_value=0, max_value=0.05), min_size=1, max_size=400),
)
@example(per_second=6, gaps=[0.0] * 7)  # slots summed in floating point: seven calls in 0.9999999999999 s
@example(per_second=1, gaps=[0.0, 0.03782206791849016])  # a clock reading rounded up: a wait 0.5 ns short
def test_no_one_second_window_holds_more_than_the_limit(per_second: int, gaps: list[float]) -> None:
    time = FakeTime()
    rate = RequestRate(per_second, now=time.clock, sleep=time.sleep)
    sent = []
    for gap in gaps:  # callers arrive whenever they like, often all at once
        time.now += gap
        assert rate.wait(max_wait_seconds=60)
        sent.append(time.now)
    for i, start in enumerate(sent):
        in_window = sum(1 for t in sent[i:] if t < start + 1.0)
        assert in_window <= per_second


def test_a_slot_further_off_than_the_caller_will_wait_is_refused_and_not_taken() -> None:
    time = FakeTime()
    rate = RequestRate(10, now=time.clock, sleep=lambda _: None)  # nobody sleeps: the queue builds up
    taken = [rate.wait(max_wait_seconds=0.25) for _ in range(5)]
    assert taken == [True, True, True, False, False]  # slots at +0, +0.1, +0.2; +0.3 is too far
    time.now += 0.31
    assert rate.wait(max_wait_seconds=0.0)  # the refused calls took nothing: the next slot is free now


def test_threads_share_the_slots() -> None:
    time = FakeTime()  # the clock stands still, so how fast threads start cannot change the count
    rate = RequestRate(200, now=time.clock, sleep=lambda _: None)
    done: list[bool] = []
    workers = [threading.Thread(target=lambda: done.append(rate.wait(5.0))) for _ in range(40)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert done == [True] * 40
    # 40 slots 5 ms apart were handed out, one each: the next free one lies 200 ms after the first.
    assert not rate.wait(max_wait_seconds=0.0)
