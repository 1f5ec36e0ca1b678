"""The domain types of appointment queues, returned by the services (and, being plain Structs with
nothing secret in them, answered by the controllers as they are)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from typing import Literal

import msgspec

# Halls keep Beijing time (UTC+8 all year): a hall's days and opening hours are local.
LOCAL = timezone(timedelta(hours=8), "CST")

HallKind = Literal["service_centre", "hospital_department", "restaurant"]
# Priority bands a hall may declare, in the order it serves them; everyone else is "walk_in", last.
PriorityBand = Literal["disabled", "elderly", "booked"]
Band = Literal["disabled", "elderly", "booked", "walk_in"]
WALK_IN: Band = "walk_in"
BookingStatus = Literal["active", "checked_in", "cancelled", "no_show"]
TicketStatus = Literal["waiting", "called", "done", "skipped", "transferred", "cancelled"]
EventKind = Literal["taken", "called", "recalled", "skipped", "finished", "transferred", "cancelled"]


class Hall(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    name: str
    kind: HallKind
    venue: str
    # Seven [opens, closes] pairs in minutes after local midnight, Monday first; null: closed.
    hours: list[list[int] | None]
    holidays: list[str]
    priority_bands: list[PriorityBand]
    grace_seconds: int
    max_recalls: int
    check_in_before_minutes: int
    check_in_after_minutes: int
    created_at: datetime

    def band_of(self, name: Band) -> int:
        """0 is served first; a band the hall did not declare is served with the walk-ins."""
        bands: list[str] = list(self.priority_bands)
        return bands.index(name) if name in bands else len(bands)


class Service(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    hall_id: uuid.UUID
    name: str
    prefix: str
    slot_minutes: int
    slot_capacity: int
    # The moving average of service times and the last actual wait the estimate learns from.
    service_seconds: float
    last_wait_seconds: float | None = None
    # A restaurant's services are party-size bands (tables for 1-2, 3-4, 5+): the sizes it seats.
    party_min: int | None = None
    party_max: int | None = None


class Counter(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    hall_id: uuid.UUID
    name: str
    services: list[uuid.UUID]


class Slot(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    service_id: uuid.UUID
    hall_id: uuid.UUID
    day: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    booked: int


class Booking(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    citizen_id: uuid.UUID
    slot_id: uuid.UUID
    service_id: uuid.UUID
    hall_id: uuid.UUID
    day: str
    starts_at: datetime
    ends_at: datetime
    status: BookingStatus
    created_at: datetime


class Ticket(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    hall_id: uuid.UUID
    service_id: uuid.UUID
    day: str
    number: int
    label: str
    band: int
    band_name: Band
    rank: int
    citizen_id: uuid.UUID | None
    booking_id: uuid.UUID | None
    status: TicketStatus
    counter_id: uuid.UUID | None
    recalls: int
    taken_at: datetime
    called_at: datetime | None
    finished_at: datetime | None


class BandLine(msgspec.Struct, frozen=True, kw_only=True):
    """One band of a service's line: the rank at its head, how many wait, and the ranks behind the
    head that left out of turn (cancelled). A ticket of this band with rank r has
    ``r - head - |holes below r|`` of its band ahead, and every waiting ticket of earlier bands."""

    band: int
    name: Band
    head: int
    count: int
    holes: list[int] = []


class Line(msgspec.Struct, frozen=True, kw_only=True):
    """A service's line as watchers see it, with what each needs to estimate its own wait."""

    service_id: uuid.UUID
    bands: list[BandLine]
    waiting: int
    service_seconds: float
    open_counters: int
    last_wait_seconds: float | None = None


class Called(msgspec.Struct, frozen=True, kw_only=True):
    label: str
    counter_id: uuid.UUID
    counter: str
    # Ready for a speech synthesiser: "请 A 0 0 1 号到 3 号窗口".
    announcement: str


class Event(msgspec.Struct, frozen=True, kw_only=True):
    """One "now serving" event of a hall: what changed, at which counter, and the service's line."""

    seq: int
    hall_id: uuid.UUID
    kind: EventKind
    service_id: uuid.UUID
    ticket: str
    called: Called | None
    line: Line
    at: datetime


class Position(msgspec.Struct, frozen=True, kw_only=True):
    """A ticket with its place in line, computed from the database (the polling answer)."""

    ticket: Ticket
    ahead: int
    eta_minutes_low: int
    eta_minutes_high: int
    counter: str | None = None
