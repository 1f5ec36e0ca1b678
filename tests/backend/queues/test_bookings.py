"""Booking, cancelling and rescheduling on PostgreSQL: the database decides who gets a place."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest

from backend.database import transaction
from backend.queues.errors import (
    AlreadyBooked,
    BookingNotActive,
    BookingPaused,
    CheckInOutsideWindow,
    HallCodeInvalid,
    SlotFull,
    SlotPast,
)
from backend.queues.model import LOCAL
from backend.queues.repository.bookings import BookingRepository
from backend.queues.repository.halls import HallRepository
from tests.backend.queues.factories import bookings, citizen, future_slot, halls, make_hall, tickets
from tests.services import Services


async def test_200_concurrent_bookings_for_50_places_make_exactly_50(services: Services) -> None:
    world = await make_hall(services, capacity=50)
    slot = await future_slot(services, world.services[0])

    async def book() -> str:
        try:
            await bookings(services).book(citizen(), slot.id)
        except SlotFull:
            return "full"
        return "booked"

    outcomes = await asyncio.gather(*(book() for _ in range(200)))
    assert outcomes.count("booked") == 50
    assert outcomes.count("full") == 150
    stored = await HallRepository(services.engine).find_slot(slot.id)
    assert stored is not None
    assert stored.booked == 50


async def test_one_active_booking_per_service_and_day_even_when_racing(services: Services) -> None:
    world = await make_hall(services, capacity=5)
    slot = await future_slot(services, world.services[0])
    same_day = [s for s in await halls(services).slots(world.services[0].id, slot.day) if s.id != slot.id]
    who = citizen()

    async def book(slot_id: uuid.UUID) -> str:
        try:
            await bookings(services).book(who, slot_id)
        except AlreadyBooked:
            return "refused"
        return "booked"

    outcomes = await asyncio.gather(*(book(s.id) for s in [slot, *same_day[:9]]))
    assert sorted(outcomes) == ["booked"] + ["refused"] * 9
    assert len([b for b in await bookings(services).mine(who) if b.status == "active"]) == 1
    # The losers gave their places back: the database's count matches the bookings.
    total = sum(s.booked for s in await halls(services).slots(world.services[0].id, slot.day))
    assert total == 1


async def test_a_past_slot_is_not_bookable(services: Services) -> None:
    world = await make_hall(services)
    await halls(services).materialise(days=1, service_id=world.services[0].id)
    today = services.clock.now().astimezone(LOCAL).date()
    slots = await halls(services).slots(world.services[0].id, today.isoformat())
    past = [s for s in slots if s.starts_at <= services.clock.now()]
    if not past:
        pytest.skip("local midnight: no slot of today has started yet")
    with pytest.raises(SlotPast):
        await bookings(services).book(citizen(), past[0].id)


async def test_cancel_frees_the_place_and_reschedule_moves_it_all_or_nothing(services: Services) -> None:
    world = await make_hall(services, capacity=1)
    slot = await future_slot(services, world.services[0])
    later = await future_slot(services, world.services[0], days=2)
    who, other = citizen(), citizen()
    booking = await bookings(services).book(who, slot.id)
    with pytest.raises(SlotFull):
        await bookings(services).book(other, slot.id)

    await bookings(services).book(other, later.id)
    # The new slot is full: the old booking stays, with its place.
    with pytest.raises(SlotFull):
        await bookings(services).reschedule(who, booking.id, later.id)
    assert (await bookings(services).get(who, booking.id)).status == "active"

    cancelled = await bookings(services).cancel(who, booking.id)
    assert cancelled.status == "cancelled"
    with pytest.raises(BookingNotActive):
        await bookings(services).cancel(who, booking.id)
    third = await bookings(services).book(citizen(), slot.id)
    assert third.slot_id == slot.id


async def test_three_no_shows_in_30_days_pause_booking_for_7_days(services: Services) -> None:
    world = await make_hall(services, prefixes=("A", "B", "C", "D"))
    who = citizen()
    repository = BookingRepository(services.engine)
    for service in world.services[:3]:
        booking = await bookings(services).book(who, (await future_slot(services, service)).id)
        async with transaction(services.engine):
            await repository.move(booking.id, from_status="active", to="no_show", now=services.clock.now())
    until = await bookings(services).paused_until(who)
    assert until is not None
    assert until - services.clock.now() > timedelta(days=6)
    with pytest.raises(BookingPaused):
        await bookings(services).book(who, (await future_slot(services, world.services[3])).id)


async def test_checking_in_outside_the_window_is_refused(services: Services) -> None:
    world = await make_hall(services)
    who = citizen()
    tomorrow = await future_slot(services, world.services[0])  # about a day ahead: far outside
    await bookings(services).book(who, tomorrow.id)
    with pytest.raises(CheckInOutsideWindow):
        await tickets(services).check_in(who, hall_id=world.hall.id, hall_code=world.code)
    with pytest.raises(HallCodeInvalid):
        await tickets(services).check_in(who, hall_id=world.hall.id, hall_code="x" * 16)


async def test_a_new_service_has_slots_on_first_read_inside_the_horizon_only(services: Services) -> None:
    world = await make_hall(services)  # no materialise: as on a fresh server before the hourly job
    service = world.services[0]
    today = services.clock.now().astimezone(LOCAL).date()
    tomorrow = await halls(services).slots(service.id, (today + timedelta(days=1)).isoformat())
    assert len(tomorrow) == 48  # open all day, 30-minute slots
    assert {s.capacity for s in tomorrow} == {10}
    again = await halls(services).slots(service.id, (today + timedelta(days=1)).isoformat())
    assert [s.id for s in again] == [s.id for s in tomorrow]  # read twice, made once
    beyond = (today + timedelta(days=14)).isoformat()  # SUQIAN_QUEUES_SLOT_DAYS: today + 13
    assert await halls(services).slots(service.id, beyond) == []
    assert await halls(services).slots(service.id, (today - timedelta(days=1)).isoformat()) == []
