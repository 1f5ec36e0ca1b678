"""The only queries of the credit feature: objections, each move a compare-and-set on its status."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

import msgspec

from backend.clock import as_utc, as_utc_or_none
from backend.credit.tables import CreditObjection
from backend.database import Repository

ObjectionStatus = Literal["queued", "received", "reviewing", "upheld", "dismissed", "refused"]
# Still waiting on the platform's decision: what the poll asks about.
AWAITING: tuple[ObjectionStatus, ...] = ("received", "reviewing")


class ObjectionRow(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    citizen_id: uuid.UUID
    record_id: str
    reason: str  # sealed
    contact_phone: str  # sealed
    status: ObjectionStatus
    objection_id: str
    reply: str
    refusal: str
    created_at: datetime
    updated_at: datetime
    decided_at: datetime | None


def _row(raw: dict[str, Any]) -> ObjectionRow:
    return msgspec.convert(
        {
            **raw,
            "created_at": as_utc(raw["created_at"]),
            "updated_at": as_utc(raw["updated_at"]),
            "decided_at": as_utc_or_none(raw["decided_at"]),
        },
        ObjectionRow,
    )


class CreditRepository(Repository):
    async def insert(self, row: ObjectionRow) -> bool:
        """False when the citizen objected to this record before (a unique index decides)."""
        rows = await (
            CreditObjection.insert(CreditObjection(**msgspec.structs.asdict(row)))
            .on_conflict(action="DO NOTHING")
            .returning(CreditObjection.id)
        )
        return bool(rows)

    async def find(self, objection_id: uuid.UUID) -> ObjectionRow | None:
        raw = await CreditObjection.select().where(CreditObjection.id == objection_id).first()
        return None if raw is None else _row(raw)

    async def owned(self, citizen_id: uuid.UUID, objection_id: uuid.UUID) -> ObjectionRow | None:
        raw = (
            await CreditObjection.select()
            .where((CreditObjection.id == objection_id) & (CreditObjection.citizen_id == citizen_id))
            .first()
        )
        return None if raw is None else _row(raw)

    async def of_citizen(self, citizen_id: uuid.UUID) -> list[ObjectionRow]:
        rows = (
            await CreditObjection.select()
            .where(CreditObjection.citizen_id == citizen_id)
            .order_by(CreditObjection.created_at, ascending=False)
        )
        return [_row(raw) for raw in rows]

    async def awaiting(self, *, limit: int) -> list[ObjectionRow]:
        """Objections the platform took and has not decided, least recently looked at first."""
        rows = (
            await CreditObjection.select()
            .where(CreditObjection.status.is_in(list(AWAITING)))
            .order_by(CreditObjection.updated_at)
            .limit(limit)
        )
        return [_row(raw) for raw in rows]

    async def move(
        self,
        row_id: uuid.UUID,
        *,
        expected: ObjectionStatus,
        to: ObjectionStatus,
        now: datetime,
        **values: Any,
    ) -> bool:
        """``expected`` → ``to`` (with ``values``), only if the status is still ``expected``."""
        changes: dict[Any, Any] = {CreditObjection.status: to, CreditObjection.updated_at: now}
        changes.update({getattr(CreditObjection, name): value for name, value in values.items()})
        rows = await (
            CreditObjection.update(changes)
            .where((CreditObjection.id == row_id) & (CreditObjection.status == expected))
            .returning(CreditObjection.id)
        )
        return bool(rows)

    async def touch(self, row_id: uuid.UUID, *, now: datetime) -> None:
        """Looked at, nothing changed: to the back of the poll's line."""
        await CreditObjection.update({CreditObjection.updated_at: now}).where(CreditObjection.id == row_id)
