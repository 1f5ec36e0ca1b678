from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import msgspec

from backend.clock import as_utc
from backend.database import Repository
from backend.queues.model import Booking, BookingStatus
from backend.queues.tables import QueueBooking, QueueTicket

_BOOKING = (
    QueueBooking.id,
    QueueBooking.citizen_id,
    QueueBooking.slot_id,
    QueueBooking.service_id,
    QueueBooking.hall_id,
    QueueBooking.day,
    QueueBooking.starts_at,
    QueueBooking.ends_at,
    QueueBooking.status,
    QueueBooking.created_at,
)


def _booking(raw: dict[str, Any]) -> Booking:
    return Booking(
        **{
            **raw,
            "starts_at": as_utc(raw["starts_at"]),
            "ends_at": as_utc(raw["ends_at"]),
            "created_at": as_utc(raw["created_at"]),
        }
    )


class BookingRepository(Repository):
    async def add(self, booking: Booking) -> None:
        """Raises a unique violation when the citizen holds an active booking of the service that day."""
        await QueueBooking.insert(
            QueueBooking(**msgspec.structs.asdict(booking), changed_at=booking.created_at)
        )

    async def find(self, booking_id: uuid.UUID, citizen_id: uuid.UUID) -> Booking | None:
        raw = (
            await QueueBooking.select(*_BOOKING)
            .where((QueueBooking.id == booking_id) & (QueueBooking.citizen_id == citizen_id))
            .first()
        )
        return None if raw is None else _booking(raw)

    async def of_citizen(self, citizen_id: uuid.UUID, *, limit: int = 50) -> list[Booking]:
        rows = await (
            QueueBooking.select(*_BOOKING)
            .where(QueueBooking.citizen_id == citizen_id)
            .order_by(QueueBooking.starts_at, ascending=False)
            .limit(limit)
        )
        return [_booking(raw) for raw in rows]

    async def active_at_hall(
        self, citizen_id: uuid.UUID, hall_id: uuid.UUID, days: list[str]
    ) -> list[Booking]:
        rows = await (
            QueueBooking.select(*_BOOKING)
            .where(
                (QueueBooking.citizen_id == citizen_id)
                & (QueueBooking.hall_id == hall_id)
                & QueueBooking.day.is_in(days)
                & (QueueBooking.status == "active")
            )
            .order_by(QueueBooking.starts_at)
        )
        return [_booking(raw) for raw in rows]

    async def move(
        self, booking_id: uuid.UUID, *, from_status: BookingStatus, to: BookingStatus, now: datetime
    ) -> Booking | None:
        """Compare-and-set the status; the booking as it is now, or None when it was not ``from_status``."""
        rows = await (
            QueueBooking.update({QueueBooking.status: to, QueueBooking.changed_at: now})
            .where((QueueBooking.id == booking_id) & (QueueBooking.status == from_status))
            .returning(*_BOOKING)
        )
        return _booking(rows[0]) if rows else None

    async def overdue(self, *, before: datetime, limit: int) -> list[Booking]:
        """Active bookings whose check-in window closed before ``before``: no-shows to record."""
        rows = await (
            QueueBooking.select(*_BOOKING)
            .where((QueueBooking.status == "active") & (QueueBooking.ends_at < before))
            .limit(limit)
        )
        return [_booking(raw) for raw in rows]

    async def no_shows_since(self, citizen_id: uuid.UUID, since: datetime) -> list[datetime]:
        """When the citizen missed a booking or a call since ``since`` (newest first)."""
        missed = await QueueBooking.select(QueueBooking.changed_at).where(
            (QueueBooking.citizen_id == citizen_id)
            & (QueueBooking.status == "no_show")
            & (QueueBooking.changed_at >= since)
        )
        skipped = await QueueTicket.select(QueueTicket.finished_at).where(
            (QueueTicket.citizen_id == citizen_id)
            & (QueueTicket.status == "skipped")
            & (QueueTicket.finished_at >= since)
        )
        times = [as_utc(r["changed_at"]) for r in missed] + [as_utc(r["finished_at"]) for r in skipped]
        return sorted(times, reverse=True)

    async def starting_between(self, start: datetime, end: datetime, *, limit: int) -> list[Booking]:
        rows = await (
            QueueBooking.select(*_BOOKING)
            .where(
                (QueueBooking.status == "active")
                & (QueueBooking.starts_at >= start)
                & (QueueBooking.starts_at < end)
            )
            .limit(limit)
        )
        return [_booking(raw) for raw in rows]
