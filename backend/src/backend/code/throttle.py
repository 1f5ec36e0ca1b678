"""A per-citizen cap on code issuance, kept in this worker's memory.

``GET /api/v1/citizen-code`` runs once per displayed code and is the hot path of the morning rush
(bench target: ≥ 35 % of a bare Litestar app; it costs ~256 µs of CPU a request). The store-backed
limiter (``backend.ratelimit``) would add a Redis round trip: ~85 µs of CPU for a GET with redis-py on
these machines (ADR 4), a third more on the hot path, to stop something that costs us one ECDSA
signature (~23 µs). So each worker keeps its own counter per citizen instead, with no I/O: ~1 µs.

The price is that the cap is per worker: N workers behind a balancer allow up to N times the rate to
a client that spreads its requests. That is enough for what the cap is for — a script hammering the
endpoint, or a stolen token farmed for codes, shows up as 429s instead of unlimited fresh codes — and
it is not a quota anybody relies on.

The counter is GCRA (the "virtual scheduling" form of a token bucket, ITU-T I.371): one float per
citizen, the time from which the next issue is due. Memory is bounded at ``max_keys`` citizens per
worker (~160 B each: 16 MB at 100,000). When full, the idle ones (due in the past: forgetting them
changes nothing) go first, in one pass; a citizen refreshing every 20 s is idle 18 s of 20, so a pass
frees most of the map. Only if all are busy does the older half go: a forgotten citizen starts
afresh, which errs towards serving a code.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable


class IssueThrottle:
    def __init__(self, *, per_minute: int, burst: int, max_keys: int, monotonic: Callable[[], float]) -> None:
        if per_minute < 1 or burst < 1 or max_keys < 1:
            raise ValueError("per_minute, burst and max_keys must be positive")
        self._interval = 60.0 / per_minute
        # How far ahead of now the next due time may run: burst - 1 issues beyond the steady rate.
        self._tolerance = self._interval * (burst - 1)
        self._max_keys = max_keys
        self._monotonic = monotonic
        self._due: dict[uuid.UUID, float] = {}

    def take(self, citizen_id: uuid.UUID) -> float:
        """Count one issue for ``citizen_id``: 0.0 when allowed, else the seconds until one is."""
        now = self._monotonic()
        due = self._due.get(citizen_id, now)
        if due < now:
            due = now
        wait = due - self._tolerance - now
        if wait > 0:
            return wait
        if len(self._due) >= self._max_keys and citizen_id not in self._due:
            self._forget(now)
        self._due[citizen_id] = due + self._interval
        return 0.0

    def __len__(self) -> int:
        """Citizens tracked now."""
        return len(self._due)

    def _forget(self, now: float) -> None:
        busy = {k: due for k, due in self._due.items() if due > now}
        if len(busy) >= self._max_keys:
            busy = dict(list(busy.items())[len(busy) // 2 :])
        self._due = busy
