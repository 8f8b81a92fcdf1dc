"""The clocks behind the `ports.Clock` port: the one place that knows the time."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from .ports import Clock


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FileClock:
    """Reads the time from a file written by the local stack, so that every process shares its
    controllable clock. Never configured when deployed."""

    def __init__(self, path: str) -> None:
        self._path = Path(path)

    def now(self) -> datetime:
        try:
            text = self._path.read_text().strip()
        except FileNotFoundError:
            return datetime.now(UTC)
        return datetime.fromisoformat(text).astimezone(UTC)


class FixedClock:
    """A clock that moves only when told to; used by unit tests and benchmarks."""

    def __init__(self, now: datetime) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now

    def set(self, now: datetime) -> None:
        self._now = now


def clock_from(clock_file: str | None) -> Clock:
    return FileClock(clock_file) if clock_file else SystemClock()
