"""Queues: a citizen's appointments and the numbers they took. A ticket outlives the account in the
hall's day (its number was called, or will be) but no longer names the citizen."""

from __future__ import annotations

from backend.personal_data import Category, Held, OnClosure, PersonalData
from backend.queues.tables import (
    QueueBooking,
    QueueCounter,
    QueueDayCounter,
    QueueEvent,
    QueueHall,
    QueueHallStaff,
    QueueService,
    QueueSlot,
    QueueTicket,
)

PERSONAL_DATA = PersonalData(
    categories=(
        Category(
            name="appointments",
            description="Your appointments at service halls and hospitals, and the numbers you took",
            purpose="Booking slots, taking numbers and calling you",
            legal_basis="PIPL art. 13(2): the service you use",
            retention="While the account is open",
        ),
    ),
    held=(
        Held(table=QueueBooking, category="appointments"),
        Held(
            table=QueueTicket,
            category="appointments",
            on_closure=OnClosure.RETAIN,
            scrub={"citizen_id": None, "booking_id": None},
            retained_because="the hall's numbering of the day; the ticket no longer names you",
        ),
    ),
    unrelated={
        QueueHall: "halls (operators' catalogue)",
        QueueService: "services of a hall",
        QueueCounter: "counters",
        QueueHallStaff: "staff assigned to halls",
        QueueSlot: "slots and their counters",
        QueueDayCounter: "ticket number counters",
        QueueEvent: "the hall's live event feed (ticket numbers, no names)",
    },
)
