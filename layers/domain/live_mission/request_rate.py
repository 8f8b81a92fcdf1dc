"""A requests-per-second limit on calls to the Ads platform, kept by the caller.

TikTok API for Business throttles an app that calls too often (codes 40016, 40100, 40133). During a
mega campaign's burst it is cheaper to wait a few milliseconds here than to be refused and retry a
minute later, so every Ads call first takes the next free slot. Slots are 1/rate apart, so no
one-second window holds more than `per_second` calls: a limiter that allowed bursts (a token bucket
with room for more than one) could put up to twice the limit into one of the platform's windows.

One limiter serves a whole process, every thread of it, and a process is one Lambda container. The
fleet stays within the app's quota because each function's containers are capped by its reserved
concurrency and each keeps quota x share / containers (`Settings.ads_requests_per_second`).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable


class RequestRate:
    def __init__(
        self,
        per_second: float,
        *,
        now: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if per_second <= 0:
            raise ValueError("per_second must be positive")
        self.per_second = per_second
        # Whole nanoseconds: slots added up in floating point drift (six slots of 1/6 s fitted seven calls
        # into 0.9999999999999 s). Rounded up, and two more, because the clock is read to the nanosecond
        # below: n slots never take less than n / rate seconds, however the readings round.
        self._interval_ns = math.ceil(1e9 / per_second) + 2
        self._now = now
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next_free_ns = 0

    def wait(self, max_wait_seconds: float) -> bool:
        """Takes the next free slot and waits for it; False, taking nothing, when it is further off than
        `max_wait_seconds` (the caller then treats the call as throttled)."""
        with self._lock:
            now_ns = math.floor(self._now() * 1e9)  # down: a wait is never shorter than its slot needs
            slot_ns = max(self._next_free_ns, now_ns)
            if slot_ns - now_ns > max_wait_seconds * 1e9:
                return False
            self._next_free_ns = slot_ns + self._interval_ns
        if slot_ns > now_ns:
            self._sleep((slot_ns - now_ns) / 1e9)
        return True


_process_rates: dict[float, RequestRate] = {}
_process_lock = threading.Lock()


def for_process(per_second: float) -> RequestRate:
    """The process's one limiter for this rate."""
    with _process_lock:
        return _process_rates.setdefault(per_second, RequestRate(per_second))
