"""Waiting lists: one live place per citizen and slot (a partial unique index), served oldest first;
every move a conditional UPDATE."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import msgspec
from piccolo.custom_types import Combinable

from backend.clock import as_utc, as_utc_or_none
from backend.database import Repository
from backend.tourism.model import TicketRequest, Waiter
from backend.tourism.tables import TourismWaiter

_COLUMNS = TourismWaiter.all_columns()
_WANTED = msgspec.json.Decoder(list[TicketRequest])


def _uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _waiter(row: dict[str, Any]) -> Waiter:
    return Waiter(
        id=_uuid(row["id"]),
        slot_id=_uuid(row["slot_id"]),
        citizen_id=_uuid(row["citizen_id"]),
        tickets=_WANTED.decode(row["tickets"]),
        qty=row["qty"],
        state=row["state"],
        hold_id=None if row["hold_id"] is None else _uuid(row["hold_id"]),
        created_at=as_utc(row["created_at"]),
        offered_at=as_utc_or_none(row["offered_at"]),
    )


class WaitlistRepository(Repository):
    async def add(self, waiter: Waiter) -> None:
        """Raises a unique violation when the citizen already waits (or holds an offer) for the slot."""
        await TourismWaiter.insert(
            TourismWaiter(
                **{**msgspec.structs.asdict(waiter), "tickets": msgspec.json.encode(waiter.tickets).decode()}
            )
        )

    async def find(self, waiter_id: uuid.UUID, citizen_id: uuid.UUID) -> Waiter | None:
        row = (
            await TourismWaiter.select(*_COLUMNS)
            .where((TourismWaiter.id == waiter_id) & (TourismWaiter.citizen_id == citizen_id))
            .first()
        )
        return None if row is None else _waiter(row)

    async def of_citizen(self, citizen_id: uuid.UUID, *, limit: int = 50) -> list[Waiter]:
        rows = (
            await TourismWaiter.select(*_COLUMNS)
            .where(TourismWaiter.citizen_id == citizen_id)
            .order_by(TourismWaiter.created_at, ascending=False)
            .limit(limit)
        )
        return [_waiter(row) for row in rows]

    async def ahead_of(self, waiter: Waiter) -> int:
        """How many of the slot's waiters wait before ``waiter``."""
        ahead: int = await TourismWaiter.count().where(
            (TourismWaiter.slot_id == waiter.slot_id)
            & (TourismWaiter.state == "waiting")
            & (TourismWaiter.created_at < waiter.created_at)
        )
        return ahead

    async def first(self, slot_id: uuid.UUID, *, limit: int) -> list[Waiter]:
        """The slot's oldest waiters, in order."""
        rows = (
            await TourismWaiter.select(*_COLUMNS)
            .where((TourismWaiter.slot_id == slot_id) & (TourismWaiter.state == "waiting"))
            .order_by(TourismWaiter.created_at)
            .order_by(TourismWaiter.id)
            .limit(limit)
        )
        return [_waiter(row) for row in rows]

    async def waited_for(self, slot_ids: list[uuid.UUID] | None, *, limit: int = 200) -> list[uuid.UUID]:
        """Of ``slot_ids`` (or of all slots), those someone waits for."""
        if slot_ids is not None and not slot_ids:
            return []
        where: Combinable = TourismWaiter.state == "waiting"
        if slot_ids is not None:
            where = where & TourismWaiter.slot_id.is_in(slot_ids)
        rows = await TourismWaiter.select(TourismWaiter.slot_id).where(where).distinct().limit(limit)
        return [_uuid(row["slot_id"]) for row in rows]

    async def move(
        self, waiter_id: uuid.UUID, *, to: str, now: datetime, hold_id: uuid.UUID | None = None
    ) -> bool:
        """waiting → ``to`` (offered with its hold, lapsed, left): once."""
        values: dict[Any, Any] = {TourismWaiter.state: to}
        if to == "offered":
            values |= {TourismWaiter.hold_id: hold_id, TourismWaiter.offered_at: now}
        rows = (
            await TourismWaiter.update(values)
            .where((TourismWaiter.id == waiter_id) & (TourismWaiter.state == "waiting"))
            .returning(TourismWaiter.id)
        )
        return bool(rows)
