"""One Ads request quota for the whole fleet, kept by every container together.

TikTok API for Business throttles an app that calls too often (codes 40016, 40100, 40133). During a
mega campaign's burst it is cheaper to wait a few milliseconds here than to be refused and retry a
minute later, so every Ads call is first admitted here.

Wall-clock time is cut into windows of WINDOW_SECONDS. For each window one DynamoDB counter adds up
the calls a second that containers have leased in it; a container leases a rate for the window, sends
at most that many calls in any wall-clock second of it, spread over the second, and leases again for
the next window. The ledger never grants more than the quota in all (`QuotaLedger.lease`), so no
wall-clock second holds more than the quota, however far Lambda scales out.

Unlike fixed shares per function, nothing is kept idle for a function that has no work: in a burst of
claims, registration and auto-creation lease what eligibility and campaign status do not use. Each
container leases what it has shown it can send: its own pace in the last window it was busy (calls
over the time it spent not waiting for the quota), topped up, doubling, when it runs out while the
window still has room. It never leases more than `most` (its function's ceiling over its containers),
so one function cannot take the whole quota.

A lease costs one DynamoDB write per container and window (a few more while a container speeds up):
0.4 write units a seller, measured in a burst (`make bench` (c)).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from .ports import QuotaLedger

WINDOW_SECONDS = 2
# No call starts in the last fifth of a second: sent then, it could reach the platform in the next second
# (a busy host or network delays a request by tens, sometimes hundreds of milliseconds), where the fleet may
# already send the whole quota.
EDGE_SECONDS = 0.2


def granted(asked: int, leased_before: int, quota: int) -> int:
    """What of `asked` a lease gets: what of the quota was still free before it."""
    return max(0, min(asked, quota - leased_before))


class AdsQuota:
    def __init__(
        self,
        quota: int,
        ledger: QuotaLedger,
        *,
        most: int,
        now: Callable[[], float] = time.time,  # wall-clock: every container counts the same seconds
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if quota < 1:
            raise ValueError("quota must be at least one call a second")
        self.per_second = quota
        self._ledger = ledger
        self._most = max(1, min(most, quota))
        self._now = now
        self._sleep = sleep
        self._lock = threading.Lock()
        self._window = -1
        self._rate = 0  # calls a second leased for self._window
        self._window_full = False  # the ledger had less to lend than asked: no top-up in this window
        self._second = -1
        self._sent = 0  # calls sent in self._second
        # The container's pace: calls admitted and the time spent between them not waiting for the quota.
        self._calls = 0
        self._busy = 0.0
        self._last_admitted: float | None = None

    def wait(self, max_wait_seconds: float) -> bool:
        """Waits for the call's moment; False, taking nothing, when it is further off than
        `max_wait_seconds` (the caller then treats the call as throttled)."""
        asked = self._now()
        give_up = asked + max_wait_seconds
        with self._lock:
            if self._last_admitted is not None:
                self._busy += max(0.0, asked - self._last_admitted)
        while True:
            moment = self._admit(give_up)
            if moment is None:
                return False
            now = self._now()
            if moment > now:
                self._sleep(moment - now)
            # A thread kept off the CPU may wake past its second's edge: its call would then count in a
            # second it was not admitted to, so it lets the moment go and asks again.
            if self._now() < math.floor(moment) + 1 - EDGE_SECONDS:
                return True

    def _admit(self, give_up: float) -> float | None:
        """The moment of this call, taken (None, taking nothing: not before `give_up`)."""
        with self._lock:  # threads of one container share its lease
            while True:
                now = self._now()
                moment = self._moment(now)
                if moment is not None and moment <= max(now, give_up):  # now: even for a caller who never waits
                    break
                if moment is None:  # nothing left in this second: the next one, if the caller waits that long
                    following = math.floor(now) + 1
                    if following <= give_up:
                        self._sleep(following - now)
                        continue
                return None
            self._sent += 1
            self._calls += 1
            self._last_admitted = moment
            return moment

    def _moment(self, now: float) -> float | None:
        """When, from `now`, this container may send its next call within the current second (None: it
        has no lease left in it)."""
        second = math.floor(now)
        if second != self._second:
            self._second, self._sent = second, 0
        window = second // WINDOW_SECONDS
        if window != self._window:
            self._begin(window)
        if self._sent >= self._rate and not self._window_full and self._rate < self._most:
            self._lease(min(self._most - self._rate, max(1, self._rate)))  # ran out with room left: double
        if self._sent >= self._rate:
            return None
        # Spread over the second: the n-th call of a second not before n / rate of it.
        moment = max(now, second + self._sent * (1 - EDGE_SECONDS) / self._rate)
        return moment if moment < second + 1 - EDGE_SECONDS else None

    def _begin(self, window: int) -> None:
        # Two calls or more tell a pace; fewer (a container new or waking from idle) start at one and double.
        pace = self._calls / self._busy if self._calls >= 2 and self._busy > 0 else 1.0
        self._window, self._rate, self._window_full = window, 0, False
        self._calls, self._busy = 0, 0.0
        # What that pace sends in the part of a second that calls may start in.
        self._lease(min(self._most, max(1, math.ceil(pace * (1 - EDGE_SECONDS)))))

    def _lease(self, calls_per_second: int) -> None:
        granted = self._ledger.lease(self._window, calls_per_second, self.per_second)
        self._rate += granted
        self._window_full = granted < calls_per_second
