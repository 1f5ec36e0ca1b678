"""Telling watchers that a line grew: a ``taken`` event with the service's line, at most one per
service and day every ``GROWTH_SECONDS`` per worker.

Why coalesced: numbers are taken up to thousands a second (group commit, ``numbers.py``), and every
event is a frame to every watcher of the hall (10,000 on a busy one); one event per number would be
the fan-out's whole budget. A lone number is told at once; numbers that follow within the window are
told together at its end (``flush``, a background job), so watchers see the line grow within about
a second. The event is written in its own transaction after the number committed (the number is
the database's decision either way); a worker that dies before telling leaves the growth to the
next event of the hall.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from piccolo.engine.base import Engine

from backend.clock import Clock
from backend.database import transaction
from backend.queues.live import Publisher

log = logging.getLogger("backend.queues")

GROWTH_SECONDS = 1.0
Key = tuple[uuid.UUID, uuid.UUID, str]


class Growth:
    def __init__(self, publisher: Publisher, engine: Engine[Any], clock: Clock) -> None:
        self._publisher = publisher
        self._engine = engine
        self._clock = clock
        # The newest number not told yet, per (hall, service, day); when the next event may go.
        self._pending: dict[Key, str] = {}
        self._next: dict[Key, float] = {}
        self._busy: set[Key] = set()

    async def grew(self, hall_id: uuid.UUID, service_id: uuid.UUID, day: str, label: str) -> None:
        """Number ``label`` joined the line: told now, or at the end of the window."""
        key = (hall_id, service_id, day)
        if key in self._busy or self._next.get(key, 0.0) > self._clock.monotonic():
            self._pending[key] = label
            return
        await self._tell(key, label)

    async def flush(self) -> None:
        """Tell what waited for its window (a background job, every half window)."""
        now = self._clock.monotonic()
        for key, label in list(self._pending.items()):
            if key not in self._busy and self._next.get(key, 0.0) <= now:
                await self._tell(key, label)
        if len(self._next) > 10_000:
            self._next = {k: t for k, t in self._next.items() if t > now}

    async def _tell(self, key: Key, label: str) -> None:
        hall_id, service_id, day = key
        self._busy.add(key)
        self._pending.pop(key, None)
        self._next[key] = self._clock.monotonic() + GROWTH_SECONDS
        try:
            async with transaction(self._engine):
                seq = await self._publisher.record_line(hall_id, "taken", service_id, day, label)
            await self._publisher.publish(hall_id, seq)
        except Exception:
            # The number itself is taken; the next flush tells the growth.
            log.warning("telling hall %s its line grew failed; retried", hall_id, exc_info=True)
            self._pending.setdefault(key, label)
        finally:
            self._busy.discard(key)
