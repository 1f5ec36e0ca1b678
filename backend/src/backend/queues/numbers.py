"""Group commit for numbers: each worker gathers the takes of one service, day and band that arrive
while the previous group is being written, and writes them as one statement (``take_many``).

Why: a number bumps its service's counter row, whose lock PostgreSQL holds until the commit is flushed
(3.45 ms on the bench machine), so one statement per number caps a service near 290 numbers a second
(BENCHMARKS.md). A group of n costs one flush. Order is kept (the group's numbers follow arrival), and a
group that a unique violation refuses (a citizen already holding a live number) is retried one by one,
so only that citizen is refused. SQLite (one writer) and takes inside a caller's transaction (a
check-in) go one by one.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict
from datetime import datetime
from typing import Any

from piccolo.engine.base import Engine

from backend.database import is_unique_violation
from backend.queues.model import Band, Ticket
from backend.queues.repository import on_sqlite
from backend.queues.repository.tickets import TicketRepository

Key = tuple[uuid.UUID, str, int]
# Most takes one statement carries: bounds the statement's size and a group's wait.
MOST = 200


class _Take:
    __slots__ = ("booking_id", "citizen_id", "done")

    def __init__(self, citizen_id: uuid.UUID | None, booking_id: uuid.UUID | None) -> None:
        self.citizen_id = citizen_id
        self.booking_id = booking_id
        self.done: asyncio.Future[Ticket] = asyncio.get_running_loop().create_future()


class NumberDesk:
    def __init__(self, tickets: TicketRepository, engine: Engine[Any]) -> None:
        self._tickets = tickets
        self._grouped = not on_sqlite(engine)
        self._waiting: dict[Key, list[_Take]] = defaultdict(list)
        self._writing: dict[Key, asyncio.Lock] = defaultdict(asyncio.Lock)

    async def take(
        self,
        *,
        hall_id: uuid.UUID,
        service_id: uuid.UUID,
        prefix: str,
        day: str,
        band: int,
        band_name: Band,
        citizen_id: uuid.UUID | None,
        now: datetime,
    ) -> Ticket:
        if not self._grouped:
            return await self._tickets.take(
                hall_id=hall_id,
                service_id=service_id,
                prefix=prefix,
                day=day,
                band=band,
                band_name=band_name,
                citizen_id=citizen_id,
                booking_id=None,
                now=now,
            )
        key = (service_id, day, band)
        take = _Take(citizen_id, None)
        self._waiting[key].append(take)
        async with self._writing[key]:
            if not take.done.done():
                group = self._waiting[key][:MOST]
                del self._waiting[key][: len(group)]
                await self._write(group, hall_id, service_id, prefix, day, band, band_name, now)
        return await take.done

    async def _write(
        self,
        group: list[_Take],
        hall_id: uuid.UUID,
        service_id: uuid.UUID,
        prefix: str,
        day: str,
        band: int,
        band_name: Band,
        now: datetime,
    ) -> None:
        common: dict[str, Any] = {
            "hall_id": hall_id,
            "service_id": service_id,
            "prefix": prefix,
            "day": day,
            "band": band,
            "band_name": band_name,
            "now": now,
        }
        try:
            tickets = await self._tickets.take_many(
                people=[(t.citizen_id, t.booking_id) for t in group], **common
            )
        except Exception as exc:  # noqa: BLE001 (handed to every waiting request, not swallowed)
            if not is_unique_violation(exc) or len(group) == 1:
                for take in group:
                    take.done.set_exception(exc)
                return
            for take in group:  # one by one: only the citizen who holds a number is refused
                try:
                    (ticket,) = await self._tickets.take_many(
                        people=[(take.citizen_id, take.booking_id)], **common
                    )
                except Exception as one:  # noqa: BLE001 (handed to its request)
                    take.done.set_exception(one)
                else:
                    take.done.set_result(ticket)
            return
        for take, ticket in zip(group, tickets, strict=True):
            take.done.set_result(ticket)
