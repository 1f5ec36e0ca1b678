"""The domain types of appointment queues, returned by the services (and, being plain Structs with
nothing secret in them, answered by the controllers as they are)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from typing import Annotated, Literal

import msgspec

from backend.fields import doc

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
    name: Annotated[
        str, doc("The hall's name, as the board and the citizen's app show it", "宿城区政务服务中心")
    ]
    kind: Annotated[
        HallKind,
        doc(
            "What the hall is: `service_centre` (a government service hall), "
            "`hospital_department` or `restaurant` (services are table sizes, numbers "
            "by party size)",
            "service_centre",
        ),
    ]
    venue: Annotated[str, doc("Where the hall is, as citizens find it", "宿迁市宿城区洪泽湖路136号 一楼大厅")]
    # Seven [opens, closes] pairs in minutes after local midnight, Monday first; null: closed.
    hours: Annotated[
        list[list[int] | None],
        doc(
            "Opening hours, seven entries Monday first: `[opens, closes]` in minutes "
            "after local midnight (Beijing time), null when closed that day; `[510, "
            "1050]` is 08:30–17:30",
            [[510, 1050], [510, 1050], [510, 1050], [510, 1050], [510, 1050], None, None],
        ),
    ]
    holidays: Annotated[
        list[str],
        doc(
            "Days the hall is closed although its hours say open (YYYY-MM-DD, Beijing time), sorted",
            ["2026-10-01", "2026-10-02"],
        ),
    ]
    priority_bands: Annotated[
        list[PriorityBand],
        doc(
            "The priority bands the hall serves before walk-ins, first served first: "
            "among `disabled`, `elderly`, `booked`; every other ticket is `walk_in`, "
            "served last",
            ["disabled", "elderly", "booked"],
        ),
    ]
    grace_seconds: Annotated[
        int,
        doc(
            "Seconds a called ticket has to reach the counter before the counter may "
            "skip it (once its recalls are used up too)",
            180,
        ),
    ]
    max_recalls: Annotated[int, doc("How many times a counter recalls a ticket before it may skip it", 2)]
    check_in_before_minutes: Annotated[
        int, doc("How many minutes before its slot starts a booking can be checked in", 30)
    ]
    check_in_after_minutes: Annotated[
        int,
        doc(
            "How many minutes after its slot starts a booking can still be checked "
            "in; later, it becomes a `no_show`",
            15,
        ),
    ]
    created_at: datetime

    def band_of(self, name: Band) -> int:
        """0 is served first; a band the hall did not declare is served with the walk-ins."""
        bands: list[str] = list(self.priority_bands)
        return bands.index(name) if name in bands else len(bands)


class Service(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    hall_id: uuid.UUID
    name: Annotated[str, doc("The service's name, as the kiosk and the app list it", "社保业务")]
    prefix: Annotated[str, doc("The letters its ticket numbers start with (one or two capitals)", "A")]
    slot_minutes: Annotated[int, doc("Length of each bookable slot, in minutes", 30)]
    slot_capacity: Annotated[int, doc("How many bookings each slot takes", 10)]
    # The moving average of service times and the last actual wait the estimate learns from.
    service_seconds: Annotated[
        float,
        doc(
            "The current estimate of one ticket's service time, in seconds (a moving "
            "average of actual service times)",
            312.5,
        ),
    ]
    last_wait_seconds: Annotated[
        float | None,
        doc(
            "The wait of the last ticket called, in seconds, from taking the number "
            "to being called; null before any",
            840.0,
        ),
    ] = None
    # A restaurant's services are party-size bands (tables for 1-2, 3-4, 5+): the sizes it seats.
    party_min: Annotated[
        int | None, doc("For a restaurant's table band: the smallest party it seats; null for other halls", 3)
    ] = None
    party_max: Annotated[
        int | None, doc("For a restaurant's table band: the largest party it seats; null for other halls", 4)
    ] = None


class Counter(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    hall_id: uuid.UUID
    name: Annotated[str, doc("The counter's name, as the board and the call announce it", "3号窗口")]
    services: Annotated[
        list[uuid.UUID],
        doc(
            "The ids of the services this counter calls tickets for", ["0f8fad5b-d9cb-469f-a165-70867728950e"]
        ),
    ]


class Slot(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    service_id: uuid.UUID
    hall_id: uuid.UUID
    day: str
    starts_at: datetime
    ends_at: datetime
    capacity: Annotated[int, doc("How many bookings the slot takes", 10)]
    booked: Annotated[int, doc("How many active bookings it has; full when equal to `capacity`", 7)]


class Booking(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    citizen_id: uuid.UUID
    slot_id: uuid.UUID
    service_id: uuid.UUID
    hall_id: uuid.UUID
    day: str
    starts_at: datetime
    ends_at: datetime
    status: Annotated[
        BookingStatus,
        doc(
            "Where the booking is: `active` (booked, not yet checked in), "
            "`checked_in` (a ticket was taken with it), `cancelled`, `no_show` (not "
            "checked in by the end of the check-in window)",
            "active",
        ),
    ]
    created_at: datetime


class Ticket(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    hall_id: uuid.UUID
    service_id: uuid.UUID
    day: str
    number: Annotated[int, doc("The ticket's number within its service that day, from 1", 12)]
    label: Annotated[
        str, doc("The number as shown and called: the service's prefix and three digits", "A012")
    ]
    band: Annotated[
        int,
        doc(
            "The ticket's priority band as a position: 0 is served first (the hall's "
            "`priority_bands` in order, walk-ins last)",
            2,
        ),
    ]
    band_name: Annotated[
        Band, doc("The ticket's priority band: `disabled`, `elderly`, `booked` or `walk_in`", "booked")
    ]
    rank: Annotated[
        int, doc("The ticket's place within its band that day, from 1 (earlier ranks are served first)", 5)
    ]
    citizen_id: uuid.UUID | None
    booking_id: uuid.UUID | None
    status: Annotated[
        TicketStatus,
        doc(
            "Where the ticket is: `waiting`, `called` (to `counter`), `done`, "
            "`skipped` (did not come), `transferred` (to another service, with a new "
            "ticket), `cancelled`",
            "waiting",
        ),
    ]
    counter_id: uuid.UUID | None
    recalls: Annotated[int, doc("How many times the counter has called it again", 0)]
    taken_at: datetime
    called_at: datetime | None
    finished_at: datetime | None


class BandLine(msgspec.Struct, frozen=True, kw_only=True):
    """One band of a service's line: the rank at its head, how many wait, and the ranks behind the
    head that left out of turn (cancelled). A ticket of this band with rank r has
    ``r - head - |holes below r|`` of its band ahead, and every waiting ticket of earlier bands."""

    band: Annotated[int, doc("The band's position: 0 is served first", 0)]
    name: Annotated[Band, doc("The band: `disabled`, `elderly`, `booked` or `walk_in`", "walk_in")]
    head: Annotated[int, doc("The rank at the head of the band's line (the next to be called)", 14)]
    count: Annotated[int, doc("How many tickets of the band wait", 6)]
    holes: Annotated[
        list[int],
        doc(
            "Ranks behind the head that left out of turn (cancelled): a ticket of "
            "rank r has r − head − (holes below r) of its band ahead of it",
            [16],
        ),
    ] = []


class Line(msgspec.Struct, frozen=True, kw_only=True):
    """A service's line as watchers see it, with what each needs to estimate its own wait."""

    service_id: uuid.UUID
    bands: Annotated[list[BandLine], doc("The line band by band, in the order they are served", [])]
    waiting: Annotated[int, doc("How many tickets of the service wait, all bands", 23)]
    service_seconds: Annotated[
        float, doc("The current estimate of one ticket's service time, in seconds", 312.5)
    ]
    open_counters: Annotated[int, doc("How many counters serving the service are open now", 3)]
    last_wait_seconds: Annotated[
        float | None, doc("The wait of the last ticket called, in seconds; null before any", 840.0)
    ] = None


class Called(msgspec.Struct, frozen=True, kw_only=True):
    label: Annotated[str, doc("The number called", "A012")]
    counter_id: uuid.UUID
    counter: Annotated[str, doc("The counter's name it is called to", "3号窗口")]
    # Ready for a speech synthesiser: "请 A 0 0 1 号到 3 号窗口".
    announcement: Annotated[
        str,
        doc(
            "What the board says aloud, ready for a speech synthesiser: the number "
            "spelt out, then the counter",
            "请 A 0 1 2 号到 3号窗口 办理",
        ),
    ]


class Event(msgspec.Struct, frozen=True, kw_only=True):
    """One "now serving" event of a hall: what changed, at which counter, and the service's line."""

    seq: Annotated[
        int,
        doc(
            "The event's number in the hall, increasing: the board's `ETag`, and where a watcher resumes",
            1842,
        ),
    ]
    hall_id: uuid.UUID
    kind: Annotated[
        EventKind,
        doc(
            "What happened: `taken`, `called`, `recalled`, `skipped`, `finished`, `transferred`, `cancelled`",
            "called",
        ),
    ]
    service_id: uuid.UUID
    ticket: Annotated[str, doc("The label of the ticket it happened to", "A012")]
    called: Called | None
    line: Line
    at: Annotated[datetime, doc("When it happened (ISO 8601, UTC)", "2026-12-03T02:15:04Z")]


class Position(msgspec.Struct, frozen=True, kw_only=True):
    """A ticket with its place in line, computed from the database (the polling answer)."""

    ticket: Ticket
    ahead: Annotated[int, doc("How many tickets are ahead of this one (0 once called)", 4)]
    eta_minutes_low: Annotated[int, doc("The estimated wait, lower bound, in minutes (0 once called)", 15)]
    eta_minutes_high: Annotated[int, doc("The estimated wait, upper bound, in minutes (0 once called)", 25)]
    counter: Annotated[
        str | None, doc("The counter's name it is called to, once called; otherwise null", "3号窗口")
    ] = None
