"""The service clock of the local stack: the only clock. Frozen between moves, so that every
figure a test reads is exact; handlers read it from a file (live_mission.clock.FileClock)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path


class LocalClock:
    def __init__(self, path: Path, start: datetime | None = None) -> None:
        self.path = path
        self._lock = threading.Lock()
        self.set(start or datetime.now(UTC).replace(microsecond=0))

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def set(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("the clock needs a time with an offset")
        with self._lock:
            self._now = moment
            temporary = self.path.with_suffix(".tmp")
            temporary.write_text(moment.isoformat())
            temporary.replace(self.path)  # atomic: a reader never sees half a time
