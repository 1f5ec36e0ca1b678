"""Time and randomness, injected so tests and golden vectors are exact.

Production code uses :class:`SystemClock` and :class:`random.SystemRandom`; tests use
:class:`ManualClock` (sleeping advances it instantly) and a seeded :class:`random.Random`.
"""

from __future__ import annotations

import asyncio
import time
from typing import Protocol

__all__ = ["Clock", "ManualClock", "RandomSource", "SystemClock", "make_nonce"]


class Clock(Protocol):
    """Where the library reads the time and how it waits."""

    def now(self) -> float:
        """Wall-clock time in Unix seconds (for signatures and freshness windows)."""
        ...

    def monotonic(self) -> float:
        """Monotonic seconds (for latency and breaker cool-down)."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` (retry back-off)."""
        ...


class RandomSource(Protocol):
    """The subset of :class:`random.Random` we use: jitter and nonces."""

    def random(self) -> float: ...

    def getrandbits(self, k: int, /) -> int: ...


class SystemClock:
    """The real clock."""

    def now(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class ManualClock:
    """A clock that only moves when told to; ``sleep`` advances it and returns at once.

    Both ``now`` and ``monotonic`` move together, so a test can reason about one timeline.
    ``sleeps`` records every back-off the code asked for.
    """

    def __init__(self, start: float = 1_735_689_600.0) -> None:
        # Default start: 2025-01-01T00:00:00Z, a fixed instant for golden vectors.
        self._now = start
        self._mono = 0.0
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self._now

    def monotonic(self) -> float:
        return self._mono

    def advance(self, seconds: float) -> None:
        """Move time forward by ``seconds``."""
        self._now += seconds
        self._mono += seconds

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.advance(seconds)
        # Yield once so concurrent tasks interleave as they would with a real sleep.
        await asyncio.sleep(0)


def make_nonce(rng: RandomSource) -> str:
    """A 128-bit hex nonce from ``rng`` (pass a ``SystemRandom`` in production)."""
    return f"{rng.getrandbits(128):032x}"
