"""Tickets. The raw SQL (S608 waived) is fixed text: the column list and placeholders are constants,
every value a bound parameter."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from backend.clock import as_utc, as_utc_or_none
from backend.database import Repository, transaction
from backend.queues.model import Band, BandLine, Ticket
from backend.queues.repository import on_sqlite
from backend.queues.tables import QueueTicket

COLUMNS = (
    "id, hall_id, service_id, day, number, label, band, band_name, rank, citizen_id, booking_id, status, "
    "counter_id, recalls, taken_at, called_at, finished_at"
)
_BUMP = (
    "INSERT INTO queue_day_counter (service_id, day, band, last_number) VALUES ({}, {}, {}, 1) "
    "ON CONFLICT (service_id, day, band) DO UPDATE SET last_number = queue_day_counter.last_number + 1 "
    "RETURNING last_number"
)
# PostgreSQL: the number, the rank in the band and the ticket in ONE statement (one round trip, one
# commit); the counter rows are always bumped number first, so two takers never deadlock.
_TAKE_PG = (
    "WITH n AS ("  # noqa: S608
    + _BUMP.replace("{}", "{}::uuid", 1)
    + "), r AS ("
    + _BUMP.replace("{}", "{}::uuid", 1)
    + ") "
    "INSERT INTO queue_ticket (id, hall_id, service_id, day, number, label, band, band_name, rank, "
    "citizen_id, booking_id, status, recalls, taken_at, transferred_from) "
    "SELECT {}::uuid, {}::uuid, {}::uuid, {}, n.last_number, "
    "{} || CASE WHEN n.last_number < 1000 THEN lpad(n.last_number::text, 3, '0') "
    "ELSE n.last_number::text END, "
    "{}::int, {}, r.last_number, {}::uuid, {}::uuid, 'waiting', 0, {}::timestamptz, {}::uuid FROM n, r "
    "RETURNING " + COLUMNS
)


_BUMP_BY = (
    "INSERT INTO queue_day_counter (service_id, day, band, last_number) VALUES ({}::uuid, {}, {}, {}::int) "
    "ON CONFLICT (service_id, day, band) DO UPDATE SET last_number = queue_day_counter.last_number + {}::int "
    "RETURNING last_number"
)
# PostgreSQL, n numbers at once (group commit): both counters bumped by n, n tickets, one flush.
_TAKE_MANY_PG = (
    "WITH n AS (" + _BUMP_BY + "), r AS (" + _BUMP_BY + "), x AS (SELECT * FROM "  # noqa: S608
    "unnest({}::uuid[], {}::uuid[], {}::uuid[]) WITH ORDINALITY AS x(id, citizen_id, booking_id, i)) "
    "INSERT INTO queue_ticket (id, hall_id, service_id, day, number, label, band, band_name, rank, "
    "citizen_id, booking_id, status, recalls, taken_at) "
    "SELECT x.id, {}::uuid, {}::uuid, {}, n.last_number - {}::int + x.i::int, "
    "{} || CASE WHEN n.last_number - {}::int + x.i::int < 1000 "
    "THEN lpad((n.last_number - {}::int + x.i::int)::text, 3, '0') "
    "ELSE (n.last_number - {}::int + x.i::int)::text END, "
    "{}::int, {}, r.last_number - {}::int + x.i::int, x.citizen_id, x.booking_id, 'waiting', 0, "
    "{}::timestamptz FROM n, r, x RETURNING " + COLUMNS
)


def label(prefix: str, number: int) -> str:
    return f"{prefix}{number:03d}"


def ticket_of(raw: dict[str, Any]) -> Ticket:
    return Ticket(
        **{
            **raw,
            "taken_at": as_utc(raw["taken_at"]),
            "called_at": as_utc_or_none(raw["called_at"]),
            "finished_at": as_utc_or_none(raw["finished_at"]),
        }
    )


class TicketRepository(Repository):
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
        booking_id: uuid.UUID | None,
        now: datetime,
        transferred_from: uuid.UUID | None = None,
    ) -> Ticket:
        """The next number of the service that day, at the tail of its band. Raises a unique violation
        when the citizen already holds a live number of the service that day."""
        ticket_id = uuid.uuid4()
        if not on_sqlite(self._engine):
            rows = await QueueTicket.raw(
                _TAKE_PG,
                service_id, day, -1,
                service_id, day, band,
                ticket_id, hall_id, service_id, day, prefix, band, band_name,
                citizen_id, booking_id, now, transferred_from,
            )  # fmt: skip
            return ticket_of(rows[0])
        # SQLite: an IMMEDIATE transaction (or the caller's) holds the only write lock.
        async with transaction(self._engine):
            return await self._take_sqlite(
                ticket_id,
                hall_id=hall_id,
                service_id=service_id,
                prefix=prefix,
                day=day,
                band=band,
                band_name=band_name,
                citizen_id=citizen_id,
                booking_id=booking_id,
                now=now,
                transferred_from=transferred_from,
            )

    async def _take_sqlite(
        self,
        ticket_id: uuid.UUID,
        *,
        hall_id: uuid.UUID,
        service_id: uuid.UUID,
        prefix: str,
        day: str,
        band: int,
        band_name: Band,
        citizen_id: uuid.UUID | None,
        booking_id: uuid.UUID | None,
        now: datetime,
        transferred_from: uuid.UUID | None,
    ) -> Ticket:
        number = (await QueueTicket.raw(_BUMP, service_id, day, -1))[0]["last_number"]
        rank = (await QueueTicket.raw(_BUMP, service_id, day, band))[0]["last_number"]
        row = QueueTicket(
            id=ticket_id,
            hall_id=hall_id,
            service_id=service_id,
            day=day,
            number=number,
            label=label(prefix, number),
            band=band,
            band_name=band_name,
            rank=rank,
            citizen_id=citizen_id,
            booking_id=booking_id,
            status="waiting",
            recalls=0,
            taken_at=now,
            transferred_from=transferred_from,
        )
        await QueueTicket.insert(row)
        return await self._get(ticket_id)

    async def take_many(
        self,
        *,
        hall_id: uuid.UUID,
        service_id: uuid.UUID,
        prefix: str,
        day: str,
        band: int,
        band_name: Band,
        people: list[tuple[uuid.UUID | None, uuid.UUID | None]],
        now: datetime,
    ) -> list[Ticket]:
        """PostgreSQL: numbers for ``people`` (citizen, booking) in their order, in ONE statement
        and one commit (the counter row's lock is held until the flush: one flush for n numbers).
        Raises a unique violation, taking none, when one of them already holds a live number."""
        k = len(people)
        ids = [uuid.uuid4() for _ in people]
        rows = await QueueTicket.raw(
            _TAKE_MANY_PG,
            service_id, day, -1, k, k,
            service_id, day, band, k, k,
            ids, [c for c, _ in people], [b for _, b in people],
            hall_id, service_id, day, k,
            prefix, k, k, k,
            band, band_name, k,
            now,
        )  # fmt: skip
        by_id = {raw["id"]: ticket_of(raw) for raw in rows}
        return [by_id[i] for i in ids]

    async def _get(self, ticket_id: uuid.UUID) -> Ticket:
        rows = await QueueTicket.raw(f"SELECT {COLUMNS} FROM queue_ticket WHERE id = {{}}", ticket_id)  # noqa: S608
        return ticket_of(rows[0])

    async def find(self, ticket_id: uuid.UUID, *, citizen_id: uuid.UUID | None = None) -> Ticket | None:
        sql = f"SELECT {COLUMNS} FROM queue_ticket WHERE id = {{}}"  # noqa: S608
        args: list[Any] = [ticket_id]
        if citizen_id is not None:
            sql += " AND citizen_id = {}"
            args.append(citizen_id)
        rows = await QueueTicket.raw(sql, *args)
        return ticket_of(rows[0]) if rows else None

    async def of_citizen(self, citizen_id: uuid.UUID, day: str) -> list[Ticket]:
        rows = await QueueTicket.raw(
            f"SELECT {COLUMNS} FROM queue_ticket WHERE citizen_id = {{}} AND day = {{}} ORDER BY taken_at",  # noqa: S608
            citizen_id,
            day,
        )
        return [ticket_of(raw) for raw in rows]

    async def call_next(
        self, counter_id: uuid.UUID, services: Sequence[uuid.UUID], *, day: str, now: datetime
    ) -> Ticket | None:
        """Give the counter the first waiting ticket of its services (band, then time taken). Never the
        same ticket to two counters: PostgreSQL skips rows another caller has locked and re-checks the
        status; SQLite runs one writer at a time."""
        if on_sqlite(self._engine):
            among = "service_id IN (" + ", ".join("{}" for _ in services) + ")"
            lock = ""
            args: list[Any] = [*services]
        else:
            among, lock, args = "service_id = ANY({}::uuid[])", " FOR UPDATE SKIP LOCKED", [list(services)]
        rows = await QueueTicket.raw(
            "UPDATE queue_ticket SET status = 'called', counter_id = {}, called_at = {} "  # noqa: S608
            f"WHERE id = (SELECT id FROM queue_ticket WHERE {among} AND day = {{}} AND status = 'waiting' "
            f"ORDER BY band, taken_at, rank LIMIT 1{lock}) AND status = 'waiting' RETURNING {COLUMNS}",
            counter_id,
            now,
            *args,
            day,
        )
        return ticket_of(rows[0]) if rows else None

    async def current(self, counter_id: uuid.UUID) -> Ticket | None:
        rows = await QueueTicket.raw(
            f"SELECT {COLUMNS} FROM queue_ticket WHERE counter_id = {{}} AND status = 'called'",  # noqa: S608
            counter_id,
        )
        return ticket_of(rows[0]) if rows else None

    async def recall(self, ticket_id: uuid.UUID, *, max_recalls: int) -> Ticket | None:
        rows = await QueueTicket.raw(
            "UPDATE queue_ticket SET recalls = recalls + 1 WHERE id = {} AND status = 'called' "  # noqa: S608
            f"AND recalls < {{}} RETURNING {COLUMNS}",
            ticket_id,
            max_recalls,
        )
        return ticket_of(rows[0]) if rows else None

    async def close(
        self,
        ticket_id: uuid.UUID,
        *,
        from_status: str,
        to: str,
        now: datetime,
        citizen_id: uuid.UUID | None = None,
    ) -> Ticket | None:
        """Compare-and-set a ticket's status (done, skipped, transferred, cancelled)."""
        sql = "UPDATE queue_ticket SET status = {}, finished_at = {} WHERE id = {} AND status = {}"
        args: list[Any] = [to, now, ticket_id, from_status]
        if citizen_id is not None:
            sql += " AND citizen_id = {}"
            args.append(citizen_id)
        rows = await QueueTicket.raw(sql + f" RETURNING {COLUMNS}", *args)
        return ticket_of(rows[0]) if rows else None

    async def line(self, service_id: uuid.UUID, day: str) -> list[BandLine]:
        """Per band of the service's line that day: head rank, count, and the holes behind the head."""
        heads = await QueueTicket.raw(
            "SELECT band, band_name, MIN(rank) AS head, COUNT(*) AS count FROM queue_ticket "
            "WHERE service_id = {} AND day = {} AND status = 'waiting' "
            "GROUP BY band, band_name ORDER BY band",
            service_id,
            day,
        )
        holes = await QueueTicket.raw(
            "SELECT t.band, t.rank FROM queue_ticket t WHERE t.service_id = {} AND t.day = {} "
            "AND t.status = 'cancelled' AND t.rank > (SELECT MIN(w.rank) FROM queue_ticket w "
            "WHERE w.service_id = t.service_id AND w.day = t.day AND w.band = t.band "
            "AND w.status = 'waiting') "
            "ORDER BY t.rank",
            service_id,
            day,
        )
        gaps: dict[int, list[int]] = {}
        for hole in holes:
            gaps.setdefault(int(hole["band"]), []).append(int(hole["rank"]))
        return [
            BandLine(
                band=int(raw["band"]),
                name=raw["band_name"],
                head=int(raw["head"]),
                count=int(raw["count"]),
                holes=gaps.get(int(raw["band"]), []),
            )
            for raw in heads
        ]

    async def ahead_of(self, ticket: Ticket) -> int:
        rows = await QueueTicket.raw(
            "SELECT COUNT(*) AS ahead FROM queue_ticket WHERE service_id = {} AND day = {} "
            "AND status = 'waiting' AND (band < {} OR (band = {} AND rank < {}))",
            ticket.service_id,
            ticket.day,
            ticket.band,
            ticket.band,
            ticket.rank,
        )
        return int(rows[0]["ahead"])

    async def third_in_line(self, service_id: uuid.UUID, day: str) -> Ticket | None:
        rows = await QueueTicket.raw(
            f"SELECT {COLUMNS} FROM queue_ticket WHERE service_id = {{}} AND day = {{}} "  # noqa: S608
            "AND status = 'waiting' ORDER BY band, rank LIMIT 1 OFFSET 2",
            service_id,
            day,
        )
        return ticket_of(rows[0]) if rows else None
