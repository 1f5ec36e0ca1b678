"""Request bodies of the queues routes (answers are the domain types of ``model.py``, which carry
nothing secret) and the few answers that only the HTTP edge shapes."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

import msgspec

from backend.fields import plain_text, token_text
from backend.queues.model import (
    Band,
    Booking,
    Counter,
    Event,
    Hall,
    HallKind,
    PriorityBand,
    Service,
    Slot,
    Ticket,
)

Name = Annotated[str, plain_text(max_length=128)]
Minute = Annotated[int, msgspec.Meta(ge=0, le=24 * 60)]
# The hall poster's code (12 random bytes, base64url).
HallCode = Annotated[str, token_text(r"[A-Za-z0-9_-]+", min_length=16, max_length=16)]
# A citizen code as a kiosk read it: judged by the code feature, bounded here.
CodeText = Annotated[str, msgspec.Meta(min_length=1, max_length=4096)]
Prefix = Annotated[str, msgspec.Meta(pattern=r"^[A-Z]{1,2}(?!\n)$")]


PartySize = Annotated[int, msgspec.Meta(ge=1, le=99)]


class OpeningHours(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Minutes after local midnight: ``{"opens": 510, "closes": 1050}`` is 08:30–17:30."""

    opens: Minute
    closes: Minute


class HallCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    name: Name
    kind: HallKind
    venue: Name
    # Seven days, Monday first; null: closed that day.
    hours: Annotated[list[OpeningHours | None], msgspec.Meta(min_length=7, max_length=7)]
    holidays: Annotated[list[date], msgspec.Meta(max_length=366)] = []
    priority_bands: Annotated[list[PriorityBand], msgspec.Meta(max_length=3)] = msgspec.field(
        default_factory=lambda: ["disabled", "elderly", "booked"]
    )
    grace_seconds: Annotated[int, msgspec.Meta(ge=0, le=3600)] = 180
    max_recalls: Annotated[int, msgspec.Meta(ge=0, le=10)] = 2
    check_in_before_minutes: Annotated[int, msgspec.Meta(ge=0, le=240)] = 30
    check_in_after_minutes: Annotated[int, msgspec.Meta(ge=0, le=240)] = 15


class HallCreated(msgspec.Struct, frozen=True, kw_only=True):
    hall: Hall
    # What the hall's QR poster carries: citizens scan it to check in or take a number.
    check_in_code: str


class HallView(msgspec.Struct, frozen=True, kw_only=True):
    hall: Hall
    services: list[Service]
    counters: list[Counter]


class HallList(msgspec.Struct, frozen=True, kw_only=True):
    items: list[Hall]


class ServiceCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    name: Name
    prefix: Prefix
    slot_minutes: Annotated[int, msgspec.Meta(ge=5, le=240)] = 30
    slot_capacity: Annotated[int, msgspec.Meta(ge=1, le=10_000)] = 10
    # The first guess of a service's length, until the moving average learns it.
    service_minutes: Annotated[float, msgspec.Meta(ge=0.5, le=240)] = 5.0
    # A restaurant's table band: the party sizes it seats (both, and only, for a restaurant).
    party_min: PartySize | None = None
    party_max: PartySize | None = None


class CounterCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    name: Annotated[str, plain_text(max_length=64)]
    services: Annotated[list[uuid.UUID], msgspec.Meta(min_length=1, max_length=50)]


class Materialise(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    days: Annotated[int, msgspec.Meta(ge=1, le=60)] = 14


class Materialised(msgspec.Struct, frozen=True, kw_only=True):
    created: int


class SlotList(msgspec.Struct, frozen=True, kw_only=True):
    items: list[Slot]


class QueueBookingCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    slot_id: uuid.UUID
    # One of your active bookings to move to this slot (a reschedule), all or nothing.
    replaces: uuid.UUID | None = None


class BookingList(msgspec.Struct, frozen=True, kw_only=True):
    items: list[Booking]


class CheckIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    hall_id: uuid.UUID
    hall_code: HallCode


class TableTake(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    # A whole number of people, as JSON Schema's "integer" means it: 4 and 4.0 alike (a generated
    # client may send either; schemathesis did).
    party_size: Annotated[float, msgspec.Meta(ge=1, le=99, multiple_of=1)]
    hall_code: HallCode


class WalkIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    service_id: uuid.UUID
    hall_code: HallCode


class KioskCheckIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    code: CodeText


class KioskTake(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    service_id: uuid.UUID
    band: Band = "walk_in"
    # The citizen's code, when the number should be theirs (alerts, their app); none: a paper ticket.
    code: CodeText | None = None


class TicketList(msgspec.Struct, frozen=True, kw_only=True):
    items: list[Ticket]


class Transfer(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    service_id: uuid.UUID


class CounterState(msgspec.Struct, frozen=True, kw_only=True):
    counter: Counter
    current: Ticket | None = None


class Board(msgspec.Struct, frozen=True, kw_only=True):
    """The polling answer (``ETag``: the newest ``seq``): the hall's latest events, oldest first."""

    hall_id: uuid.UUID
    seq: int
    events: list[Event]
