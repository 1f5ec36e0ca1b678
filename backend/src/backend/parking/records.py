"""Stays, their payments and the gate feed's cursor: every change a compare-and-set or an insert a
unique index guards (an event taken once, one car per plate inside a lot, one payment per order)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import msgspec

from backend.database import Repository
from backend.parking.repository import PaymentRow, StayRow, _payment, _stay
from backend.parking.tables import ParkingFeed, ParkingGateEvent, ParkingPayment, ParkingStay

_INSIDE = ("parked", "exiting")


class StayRepository(Repository):
    async def enter(self, row: StayRow) -> bool:
        """False when the plate is inside the lot already (the partial unique index decides)."""
        rows = await (
            ParkingStay.insert(ParkingStay(**msgspec.structs.asdict(row)))
            .on_conflict(action="DO NOTHING")
            .returning(ParkingStay.id)
        )
        return bool(rows)

    async def find(self, stay_id: uuid.UUID) -> StayRow | None:
        raw = await ParkingStay.select().where(ParkingStay.id == stay_id).first()
        return None if raw is None else _stay(raw)

    async def inside(self, lot_id: uuid.UUID, plate_index: str) -> StayRow | None:
        raw = (
            await ParkingStay.select()
            .where(
                (ParkingStay.lot_id == lot_id)
                & (ParkingStay.plate_index == plate_index)
                & ParkingStay.status.is_in(list(_INSIDE))
            )
            .first()
        )
        return None if raw is None else _stay(raw)

    async def of_plates(self, plate_indexes: list[str], *, limit: int = 50) -> list[StayRow]:
        if not plate_indexes:
            return []
        rows = await (
            ParkingStay.select()
            .where(ParkingStay.plate_index.is_in(plate_indexes))
            .order_by(ParkingStay.entered_at, ascending=False)
            .limit(limit)
        )
        return [_stay(r) for r in rows]

    async def move(self, stay_id: uuid.UUID, *, from_status: tuple[str, ...], to: str, **values: Any) -> bool:
        changes: dict[Any, Any] = {ParkingStay.status: to}
        changes.update({getattr(ParkingStay, name): value for name, value in values.items()})
        rows = await (
            ParkingStay.update(changes)
            .where((ParkingStay.id == stay_id) & ParkingStay.status.is_in(list(from_status)))
            .returning(ParkingStay.id)
        )
        return bool(rows)

    async def add_paid(self, stay_id: uuid.UUID, amount_fen: int) -> None:
        await ParkingStay.raw(
            "UPDATE parking_stay SET paid_fen = paid_fen + {} WHERE id = {}", amount_fen, stay_id
        )

    async def anonymise(self, exited_before: datetime, now: datetime) -> int:
        rows = await (
            ParkingStay.update(
                {ParkingStay.plate_sealed: "", ParkingStay.plate_index: "", ParkingStay.anonymised_at: now}
            )
            .where(
                (ParkingStay.status == "exited")
                & (ParkingStay.exited_at < exited_before)
                & ParkingStay.anonymised_at.is_null()
            )
            .returning(ParkingStay.id)
        )
        return len(rows)

    async def add_payment(self, row: PaymentRow) -> None:
        """Once per order: a repeated pay request finds it."""
        await ParkingPayment.insert(ParkingPayment(**msgspec.structs.asdict(row))).on_conflict(
            action="DO NOTHING"
        )

    async def payment_by_order(self, order_id: uuid.UUID) -> PaymentRow | None:
        raw = await ParkingPayment.select().where(ParkingPayment.order_id == order_id).first()
        return None if raw is None else _payment(raw)

    async def settle_payment(self, order_id: uuid.UUID) -> PaymentRow | None:
        """pending → paid, once; the payment, or None when it was settled before."""
        rows = await (
            ParkingPayment.update({ParkingPayment.status: "paid"})
            .where((ParkingPayment.order_id == order_id) & (ParkingPayment.status == "pending"))
            .returning(*ParkingPayment.all_columns())
        )
        return _payment(rows[0]) if rows else None


class FeedRepository(Repository):
    async def cursor(self) -> int:
        raw = await ParkingFeed.select(ParkingFeed.last_seq).where(ParkingFeed.name == "gate").first()
        return int(raw["last_seq"]) if raw else 0

    async def take(self, event_id: str, seq: int, now: datetime) -> bool:
        """Record the event and move the cursor past it; False when it was taken before."""
        rows = await (
            ParkingGateEvent.insert(ParkingGateEvent(event_id=event_id, seq=seq, taken_at=now))
            .on_conflict(action="DO NOTHING")
            .returning(ParkingGateEvent.event_id)
        )
        await self.advance(seq)
        return bool(rows)

    async def advance(self, seq: int) -> None:
        await ParkingFeed.insert(ParkingFeed(name="gate", last_seq=0)).on_conflict(action="DO NOTHING")
        await ParkingFeed.raw(
            "UPDATE parking_feed SET last_seq = {} WHERE name = 'gate' AND last_seq < {}", seq, seq
        )
