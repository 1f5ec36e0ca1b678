from __future__ import annotations

from datetime import UTC, datetime, timedelta


class ManualClock:
    """A clock tests move by hand (wall time and monotonic time advance together)."""

    def __init__(self, start: datetime) -> None:
        self._now = start.astimezone(UTC)
        self._monotonic = 1_000.0

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return self._monotonic

    def advance(self, seconds: float) -> None:
        self._now += timedelta(seconds=seconds)
        self._monotonic += seconds

    def set(self, when: datetime) -> None:
        self.advance((when.astimezone(UTC) - self._now).total_seconds())
