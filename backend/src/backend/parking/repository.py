"""Lots, bays, plates, reservations, stays, payments and the gate feed. Capacity moves only by
conditional UPDATEs the ``parking_bucket`` CHECK backs; a stay's state by compare-and-set."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import msgspec

from backend.clock import as_utc, as_utc_or_none
from backend.database import Repository
from backend.parking.tables import (
    ParkingBay,
    ParkingBucket,
    ParkingLot,
    ParkingPlate,
    ParkingReservation,
)
from backend.parking.tariff import Tariff


class LotRow(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    code: str
    name: str
    address: str
    bays: int
    reservable: int
    free_minutes: int
    hour_fen: int
    daily_cap_fen: int
    created_at: datetime

    @property
    def tariff(self) -> Tariff:
        return Tariff(
            free_minutes=self.free_minutes, hour_fen=self.hour_fen, daily_cap_fen=self.daily_cap_fen
        )


class BayRow(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    lot_id: uuid.UUID
    code: str
    kind: str
    reservable: int


class PlateRow(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    citizen_id: uuid.UUID
    plate_index: str
    plate_sealed: str
    plate_masked: str
    created_at: datetime


class ReservationRow(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    citizen_id: uuid.UUID
    lot_id: uuid.UUID
    plate_index: str
    plate_sealed: str
    plate_masked: str
    starts_at: datetime
    ends_at: datetime
    first_hour: int
    last_hour: int
    status: str
    created_at: datetime
    changed_at: datetime


class StayRow(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    lot_id: uuid.UUID
    plate_index: str
    plate_sealed: str
    plate_masked: str
    reservation_id: uuid.UUID | None
    status: str
    entered_at: datetime
    exit_requested_at: datetime | None
    exited_at: datetime | None
    paid_fen: int
    anonymised_at: datetime | None


class PaymentRow(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    stay_id: uuid.UUID
    citizen_id: uuid.UUID
    order_id: uuid.UUID
    amount_fen: int
    covers_until: datetime
    status: str
    created_at: datetime


def _times(raw: dict[str, Any], required: tuple[str, ...], optional: tuple[str, ...] = ()) -> dict[str, Any]:
    values = dict(raw)
    for name in required:
        values[name] = as_utc(values[name])
    for name in optional:
        values[name] = as_utc_or_none(values[name])
    return values


def _lot(raw: dict[str, Any]) -> LotRow:
    return msgspec.convert(_times(raw, ("created_at",)), LotRow)


def _reservation(raw: dict[str, Any]) -> ReservationRow:
    return msgspec.convert(_times(raw, ("starts_at", "ends_at", "created_at", "changed_at")), ReservationRow)


def _stay(raw: dict[str, Any]) -> StayRow:
    values = _times(raw, ("entered_at",), ("exit_requested_at", "exited_at", "anonymised_at"))
    return msgspec.convert(values, StayRow)


def _payment(raw: dict[str, Any]) -> PaymentRow:
    return msgspec.convert(_times(raw, ("covers_until", "created_at")), PaymentRow)


class LotRepository(Repository):
    async def add(self, lot: LotRow, bays: list[BayRow]) -> None:
        """Raises a unique violation when the code is taken."""
        await ParkingLot.insert(ParkingLot(**msgspec.structs.asdict(lot)))
        await ParkingBay.insert(*(ParkingBay(**msgspec.structs.asdict(bay)) for bay in bays))

    async def lots(self) -> list[LotRow]:
        return [_lot(r) for r in await ParkingLot.select().order_by(ParkingLot.code)]

    async def find(self, lot_id: uuid.UUID) -> LotRow | None:
        raw = await ParkingLot.select().where(ParkingLot.id == lot_id).first()
        return None if raw is None else _lot(raw)

    async def by_code(self, code: str) -> LotRow | None:
        raw = await ParkingLot.select().where(ParkingLot.code == code).first()
        return None if raw is None else _lot(raw)

    async def bays(self, lot_id: uuid.UUID) -> list[BayRow]:
        rows = await ParkingBay.select().where(ParkingBay.lot_id == lot_id).order_by(ParkingBay.code)
        return [msgspec.convert(r, BayRow) for r in rows]

    async def reserved(self, lot_id: uuid.UUID, first: int, last: int) -> int:
        """The most reservations any hour ``first`` .. ``last`` (exclusive) holds."""
        rows = await ParkingBucket.raw(
            "SELECT MAX(reserved) AS most FROM parking_bucket WHERE lot_id = {} AND hour >= {} AND hour < {}",
            lot_id,
            first,
            last,
        )
        return int(rows[0]["most"] or 0) if rows else 0

    async def take_hours(self, lot: LotRow, first: int, last: int) -> bool:
        """A bay in every hour ``first`` .. ``last`` (exclusive), or none: buckets are made on first
        demand, then one conditional UPDATE takes a place in each hour that has one. True when every
        hour had one; the caller rolls back otherwise."""
        await ParkingBucket.insert(
            *(
                ParkingBucket(lot_id=lot.id, hour=h, capacity=lot.reservable, reserved=0)
                for h in range(first, last)
            )
        ).on_conflict(action="DO NOTHING")
        taken = await ParkingBucket.raw(
            "UPDATE parking_bucket SET reserved = reserved + 1 "
            "WHERE lot_id = {} AND hour >= {} AND hour < {} AND reserved < capacity RETURNING hour",
            lot.id,
            first,
            last,
        )
        return len(taken) == last - first

    async def give_back_hours(self, lot_id: uuid.UUID, first: int, last: int) -> None:
        await ParkingBucket.raw(
            "UPDATE parking_bucket SET reserved = reserved - 1 "
            "WHERE lot_id = {} AND hour >= {} AND hour < {} AND reserved > 0",
            lot_id,
            first,
            last,
        )


class PlateRepository(Repository):
    async def link(self, row: PlateRow) -> bool:
        """False when the citizen linked the plate already (a unique index decides)."""
        rows = await (
            ParkingPlate.insert(ParkingPlate(**msgspec.structs.asdict(row)))
            .on_conflict(action="DO NOTHING")
            .returning(ParkingPlate.id)
        )
        return bool(rows)

    async def of_citizen(self, citizen_id: uuid.UUID) -> list[PlateRow]:
        rows = await (
            ParkingPlate.select()
            .where(ParkingPlate.citizen_id == citizen_id)
            .order_by(ParkingPlate.created_at)
        )
        return [msgspec.convert(_times(r, ("created_at",)), PlateRow) for r in rows]

    async def unlink(self, citizen_id: uuid.UUID, plate_id: uuid.UUID) -> bool:
        rows = await (
            ParkingPlate.delete()
            .where((ParkingPlate.id == plate_id) & (ParkingPlate.citizen_id == citizen_id))
            .returning(ParkingPlate.id)
        )
        return bool(rows)


class ReservationRepository(Repository):
    async def add(self, row: ReservationRow) -> None:
        await ParkingReservation.insert(ParkingReservation(**msgspec.structs.asdict(row)))

    async def find(self, reservation_id: uuid.UUID, citizen_id: uuid.UUID) -> ReservationRow | None:
        raw = (
            await ParkingReservation.select()
            .where((ParkingReservation.id == reservation_id) & (ParkingReservation.citizen_id == citizen_id))
            .first()
        )
        return None if raw is None else _reservation(raw)

    async def of_citizen(self, citizen_id: uuid.UUID, *, limit: int = 50) -> list[ReservationRow]:
        rows = await (
            ParkingReservation.select()
            .where(ParkingReservation.citizen_id == citizen_id)
            .order_by(ParkingReservation.starts_at, ascending=False)
            .limit(limit)
        )
        return [_reservation(r) for r in rows]

    async def covering(self, lot_id: uuid.UUID, plate_index: str, at: datetime) -> ReservationRow | None:
        """The plate's active reservation at the lot whose window holds ``at`` (or starts within 30 min)."""
        rows = await (
            ParkingReservation.select()
            .where(
                (ParkingReservation.lot_id == lot_id)
                & (ParkingReservation.plate_index == plate_index)
                & (ParkingReservation.status == "active")
            )
            .order_by(ParkingReservation.starts_at)
        )
        for raw in rows:
            row = _reservation(raw)
            if (row.starts_at - at).total_seconds() <= 1800 and at < row.ends_at:
                return row
        return None

    async def move(self, reservation_id: uuid.UUID, *, from_status: str, to: str, now: datetime) -> bool:
        rows = await (
            ParkingReservation.update({ParkingReservation.status: to, ParkingReservation.changed_at: now})
            .where((ParkingReservation.id == reservation_id) & (ParkingReservation.status == from_status))
            .returning(ParkingReservation.id)
        )
        return bool(rows)

    async def no_shows(self, before: datetime, *, limit: int) -> list[ReservationRow]:
        rows = await (
            ParkingReservation.select()
            .where((ParkingReservation.status == "active") & (ParkingReservation.ends_at < before))
            .limit(limit)
        )
        return [_reservation(r) for r in rows]

    async def anonymise(self, ended_before: datetime) -> int:
        rows = await (
            ParkingReservation.update(
                {ParkingReservation.plate_sealed: "", ParkingReservation.plate_index: ""}
            )
            .where((ParkingReservation.ends_at < ended_before) & (ParkingReservation.plate_sealed != ""))
            .returning(ParkingReservation.id)
        )
        return len(rows)
