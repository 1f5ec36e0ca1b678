"""Hotels, room types, night inventory and bookings. Inventory moves only by conditional UPDATEs the
``hotel_night`` CHECK backs: the database decides whether a room is left."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any

import msgspec

from backend.clock import as_utc
from backend.database import Repository
from backend.hotel.tables import HotelBooking, HotelHotel, HotelNight, HotelRoomType


class HotelRow(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    code: str
    name: str
    district: str
    address: str
    phone: str
    check_in_minute: int
    free_cancel_hours: int
    late_fee_percent: int
    created_at: datetime


class RoomTypeRow(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    hotel_id: uuid.UUID
    code: str
    name: str
    beds: str
    rooms: int
    price_fen: int
    created_at: datetime


class BookingRow(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    citizen_id: uuid.UUID
    hotel_id: uuid.UUID
    room_type_id: uuid.UUID
    arrival: str
    departure: str
    nights: int
    amount_fen: int
    status: str
    order_id: uuid.UUID | None
    expires_at: datetime
    fee_fen: int
    refund_fen: int
    refunded_fen: int
    room_no: str
    key_code: str  # sealed
    key_valid_until: str
    created_at: datetime
    changed_at: datetime


def _with_times(raw: dict[str, Any], *names: str) -> dict[str, Any]:
    return {**raw, **{name: as_utc(raw[name]) for name in names}}


def _booking(raw: dict[str, Any]) -> BookingRow:
    return msgspec.convert(_with_times(raw, "expires_at", "created_at", "changed_at"), BookingRow)


class HotelRepository(Repository):
    async def add_hotel(self, row: HotelRow) -> None:
        """Raises a unique violation when the PMS code is taken."""
        await HotelHotel.insert(HotelHotel(**msgspec.structs.asdict(row)))

    async def add_room_type(self, row: RoomTypeRow) -> None:
        """Raises a unique violation when the hotel has the code."""
        await HotelRoomType.insert(HotelRoomType(**msgspec.structs.asdict(row)))

    async def hotels(self) -> list[HotelRow]:
        rows = await HotelHotel.select().order_by(HotelHotel.code)
        return [msgspec.convert(_with_times(r, "created_at"), HotelRow) for r in rows]

    async def find_hotel(self, hotel_id: uuid.UUID) -> HotelRow | None:
        raw = await HotelHotel.select().where(HotelHotel.id == hotel_id).first()
        return None if raw is None else msgspec.convert(_with_times(raw, "created_at"), HotelRow)

    async def has_hotel_code(self, code: str) -> bool:
        return await HotelHotel.exists().where(HotelHotel.code == code)

    async def room_types(self, hotel_id: uuid.UUID) -> list[RoomTypeRow]:
        rows = (
            await HotelRoomType.select()
            .where(HotelRoomType.hotel_id == hotel_id)
            .order_by(HotelRoomType.code)
        )
        return [msgspec.convert(_with_times(r, "created_at"), RoomTypeRow) for r in rows]

    async def find_room_type(self, room_type_id: uuid.UUID) -> RoomTypeRow | None:
        raw = await HotelRoomType.select().where(HotelRoomType.id == room_type_id).first()
        return None if raw is None else msgspec.convert(_with_times(raw, "created_at"), RoomTypeRow)

    async def left(self, room_type_ids: list[uuid.UUID], first: str, end: str) -> dict[uuid.UUID, int]:
        """The fewest rooms left over nights ``first`` .. ``end`` (exclusive) per room type, of the
        nights that have an inventory row (a night without one has every room left)."""
        if not room_type_ids:
            return {}
        rows = await HotelNight.select(HotelNight.room_type_id, HotelNight.capacity, HotelNight.booked).where(
            HotelNight.room_type_id.is_in(room_type_ids)
            & (HotelNight.night >= first)
            & (HotelNight.night < end)
        )
        found: dict[uuid.UUID, int] = {}
        for r in rows:
            kind = (
                r["room_type_id"]
                if isinstance(r["room_type_id"], uuid.UUID)
                else uuid.UUID(str(r["room_type_id"]))
            )
            found[kind] = min(found.get(kind, r["capacity"]), r["capacity"] - r["booked"])
        return found

    async def take_nights(self, room_type: RoomTypeRow, nights: list[str]) -> bool:
        """One room of ``room_type`` on every night of ``nights``, or none: the inventory rows are made
        on first demand, then one conditional UPDATE takes a room of each night that has one. True when
        every night had one; the caller rolls back otherwise (its transaction undoes the partial take).
        Both writers lock the rows in index order, so two overlapping stays never deadlock."""
        await HotelNight.insert(
            *(
                HotelNight(room_type_id=room_type.id, night=n, capacity=room_type.rooms, booked=0)
                for n in nights
            )
        ).on_conflict(action="DO NOTHING")
        taken = await HotelNight.raw(
            "UPDATE hotel_night SET booked = booked + 1 "
            "WHERE room_type_id = {} AND night >= {} AND night < {} AND booked < capacity RETURNING night",
            room_type.id,
            nights[0],
            _after(nights[-1]),
        )
        return len(taken) == len(nights)

    async def give_back_nights(self, room_type_id: uuid.UUID, first: str, end: str) -> None:
        await HotelNight.raw(
            "UPDATE hotel_night SET booked = booked - 1 "
            "WHERE room_type_id = {} AND night >= {} AND night < {} AND booked > 0",
            room_type_id,
            first,
            end,
        )

    async def add_booking(self, row: BookingRow) -> None:
        await HotelBooking.insert(HotelBooking(**msgspec.structs.asdict(row)))

    async def find_booking(
        self, booking_id: uuid.UUID, citizen_id: uuid.UUID | None = None
    ) -> BookingRow | None:
        query = HotelBooking.select().where(HotelBooking.id == booking_id)
        if citizen_id is not None:
            query = query.where(HotelBooking.citizen_id == citizen_id)
        raw = await query.first()
        return None if raw is None else _booking(raw)

    async def by_order(self, order_id: uuid.UUID) -> BookingRow | None:
        raw = await HotelBooking.select().where(HotelBooking.order_id == order_id).first()
        return None if raw is None else _booking(raw)

    async def of_citizen(self, citizen_id: uuid.UUID, *, limit: int = 50) -> list[BookingRow]:
        rows = await (
            HotelBooking.select()
            .where(HotelBooking.citizen_id == citizen_id)
            .order_by(HotelBooking.created_at, ascending=False)
            .limit(limit)
        )
        return [_booking(r) for r in rows]

    async def attach_order(self, booking_id: uuid.UUID, order_id: uuid.UUID, expires_at: datetime) -> None:
        await HotelBooking.update(
            {HotelBooking.order_id: order_id, HotelBooking.expires_at: expires_at}
        ).where((HotelBooking.id == booking_id) & HotelBooking.order_id.is_null())

    async def move(
        self, booking_id: uuid.UUID, *, from_status: str, to: str, now: datetime, **values: Any
    ) -> BookingRow | None:
        """Compare-and-set the status (and ``values``); the booking as it is now, or None when it was
        not ``from_status``."""
        changes: dict[Any, Any] = {HotelBooking.status: to, HotelBooking.changed_at: now}
        changes.update({getattr(HotelBooking, name): value for name, value in values.items()})
        rows = await (
            HotelBooking.update(changes)
            .where((HotelBooking.id == booking_id) & (HotelBooking.status == from_status))
            .returning(*HotelBooking.all_columns())
        )
        return _booking(rows[0]) if rows else None

    async def refunded(self, order_id: uuid.UUID, refunded_fen: int) -> bool:
        """Raise the refunded total to ``refunded_fen``, never lower (a replayed notice changes nothing)."""
        rows = await (
            HotelBooking.update({HotelBooking.refunded_fen: refunded_fen})
            .where((HotelBooking.order_id == order_id) & (HotelBooking.refunded_fen < refunded_fen))
            .returning(HotelBooking.id)
        )
        return bool(rows)

    async def due_to_expire(self, now: datetime, *, limit: int) -> list[BookingRow]:
        rows = await (
            HotelBooking.select()
            .where((HotelBooking.status == "pending") & (HotelBooking.expires_at < now))
            .limit(limit)
        )
        return [_booking(r) for r in rows]


def _after(night: str) -> str:
    return (date.fromisoformat(night) + timedelta(days=1)).isoformat()
