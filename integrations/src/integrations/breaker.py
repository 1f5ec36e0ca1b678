"""A per-upstream circuit breaker: closed → open → half-open → closed.

Opens when, over the last ``window`` calls (at least ``min_calls`` of them), the failure
rate reaches ``failure_rate``, or after ``consecutive_failures`` failures in a row (a dead
upstream should not need ten calls to notice). While open, calls fail fast. After
``open_seconds`` it lets ``half_open_probes`` calls through: a success closes it, a
failure opens it again for another ``open_seconds``.

Only *unavailability* counts as failure: an upstream that answers "no" is healthy.
State is per process; with several workers each keeps its own view, which is the point
of a bulkhead (one worker's bad luck does not close the door for all).
"""

from __future__ import annotations

import enum
from collections import deque
from dataclasses import dataclass

from integrations.clock import Clock

__all__ = ["BreakerPolicy", "BreakerState", "CircuitBreaker"]


class BreakerState(enum.Enum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@dataclass(frozen=True, slots=True)
class BreakerPolicy:
    """Thresholds; the defaults follow the research notes (≥50 % of 20 calls, 30 s open)."""

    window: int = 20
    min_calls: int = 10
    failure_rate: float = 0.5
    consecutive_failures: int = 5
    open_seconds: float = 30.0
    half_open_probes: int = 1


class CircuitBreaker:
    """Breaker state machine; the client asks :meth:`allow` before each attempt."""

    def __init__(self, policy: BreakerPolicy, *, clock: Clock) -> None:
        self._policy = policy
        self._clock = clock
        self._results: deque[bool] = deque(maxlen=policy.window)
        self._consecutive = 0
        self._opened_at: float | None = None
        self._probes = 0

    @property
    def state(self) -> BreakerState:
        """The current state (open turns half-open once the cool-down has passed)."""
        if self._opened_at is None:
            return BreakerState.CLOSED
        if self._clock.monotonic() - self._opened_at >= self._policy.open_seconds:
            return BreakerState.HALF_OPEN
        return BreakerState.OPEN

    def allow(self) -> float | None:
        """Claim the right to try; ``None`` if granted, else seconds until the next probe."""
        state = self.state
        if state is BreakerState.CLOSED:
            return None
        assert self._opened_at is not None
        if state is BreakerState.OPEN:
            return self._opened_at + self._policy.open_seconds - self._clock.monotonic()
        if self._probes >= self._policy.half_open_probes:
            return 0.0
        self._probes += 1
        return None

    def record_success(self) -> None:
        """The upstream answered (any answer that is not unavailability)."""
        if self._opened_at is not None:
            self._close()
            return
        self._consecutive = 0
        self._results.append(True)

    def record_failure(self) -> None:
        """The upstream was unavailable."""
        if self._opened_at is not None:
            # A failed probe (or a straggler from before opening) restarts the cool-down.
            self._open()
            return
        self._consecutive += 1
        self._results.append(False)
        failures = self._results.count(False)
        p = self._policy
        tripped_by_rate = len(self._results) >= p.min_calls and (
            failures / len(self._results) >= p.failure_rate
        )
        if tripped_by_rate or self._consecutive >= p.consecutive_failures:
            self._open()

    def release(self) -> None:
        """An attempt ended without a verdict (cancelled); give back its probe slot."""
        if self._probes:
            self._probes -= 1

    def _open(self) -> None:
        self._opened_at = self._clock.monotonic()
        self._probes = 0

    def _close(self) -> None:
        self._opened_at = None
        self._probes = 0
        self._consecutive = 0
        self._results.clear()
