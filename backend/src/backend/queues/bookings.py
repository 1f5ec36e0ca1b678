"""Booking, cancelling and rescheduling slots, race-free: a conditional UPDATE takes a place (the
slot's CHECK backs it), a partial unique index allows one active booking per citizen, service and
day, and a reschedule gives back the old place and takes the new one in one transaction.

The no-show policy: ``NO_SHOW_LIMIT`` missed bookings or skipped numbers within ``NO_SHOW_WINDOW``
pause booking for ``NO_SHOW_PAUSE`` after the last one.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from piccolo.engine.base import Engine

from backend.audit.service import AuditLog
from backend.clock import Clock
from backend.database import UniqueViolation, transaction
from backend.queues.errors import (
    AlreadyBooked,
    BookingNotActive,
    BookingNotFound,
    BookingPaused,
    SlotFull,
    SlotNotFound,
    SlotPast,
)
from backend.queues.model import LOCAL, Booking, Slot
from backend.queues.notices import Notices
from backend.queues.repository.bookings import BookingRepository
from backend.queues.repository.halls import HallRepository

NO_SHOW_LIMIT = 3
NO_SHOW_WINDOW = timedelta(days=30)
NO_SHOW_PAUSE = timedelta(days=7)
# Reminders go out a day ahead.
REMIND_AHEAD = timedelta(hours=24)


class BookingService:
    def __init__(
        self,
        *,
        bookings: BookingRepository,
        halls: HallRepository,
        notices: Notices,
        audit: AuditLog,
        clock: Clock,
        engine: Engine[Any],
    ) -> None:
        self._bookings = bookings
        self._halls = halls
        self._notices = notices
        self._audit = audit
        self._clock = clock
        self._engine = engine

    async def paused_until(self, citizen_id: uuid.UUID) -> datetime | None:
        now = self._clock.now()
        missed = await self._bookings.no_shows_since(citizen_id, now - NO_SHOW_WINDOW)
        if len(missed) < NO_SHOW_LIMIT:
            return None
        until = missed[0] + NO_SHOW_PAUSE
        return until if until > now else None

    async def _slot(self, slot_id: uuid.UUID) -> Slot:
        slot = await self._halls.find_slot(slot_id)
        if slot is None:
            raise SlotNotFound()
        if slot.starts_at <= self._clock.now():
            raise SlotPast()
        return slot

    async def _take(self, citizen_id: uuid.UUID, slot: Slot, now: datetime) -> Booking:
        if not await self._halls.take_place(slot.id):
            raise SlotFull()
        booking = Booking(
            id=uuid.uuid4(),
            citizen_id=citizen_id,
            slot_id=slot.id,
            service_id=slot.service_id,
            hall_id=slot.hall_id,
            day=slot.day,
            starts_at=slot.starts_at,
            ends_at=slot.ends_at,
            status="active",
            created_at=now,
        )
        with UniqueViolation(raise_as=AlreadyBooked):
            await self._bookings.add(booking)
        return booking

    async def book(self, citizen_id: uuid.UUID, slot_id: uuid.UUID) -> Booking:
        slot = await self._slot(slot_id)
        if await self.paused_until(citizen_id) is not None:
            raise BookingPaused()
        now = self._clock.now()
        async with transaction(self._engine):
            booking = await self._take(citizen_id, slot, now)
            await self._audit.append(
                actor=f"citizen:{citizen_id}",
                action="queue.booked",
                subject=f"booking:{booking.id}",
                data={"slot": str(slot.id)},
                chain="queue",
            )
        return booking

    async def get(self, citizen_id: uuid.UUID, booking_id: uuid.UUID) -> Booking:
        booking = await self._bookings.find(booking_id, citizen_id)
        if booking is None:
            raise BookingNotFound()
        return booking

    async def mine(self, citizen_id: uuid.UUID) -> list[Booking]:
        return await self._bookings.of_citizen(citizen_id)

    async def cancel(self, citizen_id: uuid.UUID, booking_id: uuid.UUID) -> Booking:
        await self.get(citizen_id, booking_id)
        now = self._clock.now()
        async with transaction(self._engine):
            cancelled = await self._bookings.move(booking_id, from_status="active", to="cancelled", now=now)
            if cancelled is None:
                raise BookingNotActive()
            await self._halls.give_back_place(cancelled.slot_id)
            await self._audit.append(
                actor=f"citizen:{citizen_id}",
                action="queue.cancelled",
                subject=f"booking:{booking_id}",
                chain="queue",
            )
        return cancelled

    async def reschedule(self, citizen_id: uuid.UUID, booking_id: uuid.UUID, slot_id: uuid.UUID) -> Booking:
        """Move a booking to another slot: all of it or none of it (a full slot keeps the old one)."""
        await self.get(citizen_id, booking_id)
        slot = await self._slot(slot_id)
        now = self._clock.now()
        async with transaction(self._engine):
            old = await self._bookings.move(booking_id, from_status="active", to="cancelled", now=now)
            if old is None:
                raise BookingNotActive()
            await self._halls.give_back_place(old.slot_id)
            booking = await self._take(citizen_id, slot, now)
            await self._audit.append(
                actor=f"citizen:{citizen_id}",
                action="queue.rescheduled",
                subject=f"booking:{booking.id}",
                data={"from": str(booking_id), "slot": str(slot.id)},
                chain="queue",
            )
        return booking

    async def sweep(self) -> int:
        """Record no-shows (active bookings whose check-in window closed) and owe tomorrow's
        reminders; a step of the background job."""
        now = self._clock.now()
        marked = 0
        halls: dict[uuid.UUID, int] = {}
        for booking in await self._bookings.overdue(before=now - timedelta(minutes=30), limit=500):
            hall = await self._halls.find_hall(booking.hall_id)
            after = halls.setdefault(booking.hall_id, hall.check_in_after_minutes if hall else 15)
            if booking.starts_at + timedelta(minutes=after) > now:
                continue
            if await self._bookings.move(booking.id, from_status="active", to="no_show", now=now):
                marked += 1
        for booking in await self._bookings.starting_between(now, now + REMIND_AHEAD, limit=500):
            starts = booking.starts_at.astimezone(LOCAL).strftime("%m-%d %H:%M")
            await self._notices.owe(booking.id, booking.citizen_id, "reminder", starts)
        self._notices.wake()
        return marked
