"""Request bodies of the queues routes (answers are the domain types of ``model.py``, which carry
nothing secret) and the few answers that only the HTTP edge shapes."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

import msgspec

from backend.fields import doc, plain_text, token_text
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

    opens: Annotated[
        Minute, doc("When the hall opens, in minutes after local midnight (Beijing time): 510 is 08:30", 510)
    ]
    closes: Annotated[
        Minute, doc("When the hall closes, in minutes after local midnight: 1050 is 17:30", 1050)
    ]


class HallCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    name: Annotated[
        Name, doc("The hall's name, as the board and the citizen's app show it", "宿城区政务服务中心")
    ]
    kind: Annotated[
        HallKind,
        doc(
            "What the hall is: `service_centre`, `hospital_department` or "
            "`restaurant` (services are table sizes)",
            "service_centre",
        ),
    ]
    venue: Annotated[
        Name, doc("Where the hall is, as citizens find it", "宿迁市宿城区洪泽湖路136号 一楼大厅")
    ]
    # Seven days, Monday first; null: closed that day.
    hours: Annotated[
        Annotated[list[OpeningHours | None], msgspec.Meta(min_length=7, max_length=7)],
        doc(
            "Opening hours, seven entries Monday first; null: closed that day",
            [
                {"opens": 510, "closes": 1050},
                {"opens": 510, "closes": 1050},
                {"opens": 510, "closes": 1050},
                {"opens": 510, "closes": 1050},
                {"opens": 510, "closes": 1050},
                None,
                None,
            ],
        ),
    ]
    holidays: Annotated[
        Annotated[list[date], msgspec.Meta(max_length=366)],
        doc("Days closed although the hours say open (YYYY-MM-DD, Beijing time)", ["2026-10-01"]),
    ] = []
    priority_bands: Annotated[
        Annotated[list[PriorityBand], msgspec.Meta(max_length=3)],
        doc(
            "Bands served before walk-ins, first served first, among `disabled`, `elderly`, `booked`",
            ["disabled", "elderly", "booked"],
        ),
    ] = msgspec.field(default_factory=lambda: ["disabled", "elderly", "booked"])
    grace_seconds: Annotated[
        Annotated[int, msgspec.Meta(ge=0, le=3600)],
        doc("Seconds a called ticket has to reach the counter before it may be skipped (0–3600)", 180),
    ] = 180
    max_recalls: Annotated[
        Annotated[int, msgspec.Meta(ge=0, le=10)], doc("Recalls before a ticket may be skipped (0–10)", 2)
    ] = 2
    check_in_before_minutes: Annotated[
        Annotated[int, msgspec.Meta(ge=0, le=240)],
        doc("How many minutes before its slot a booking can be checked in (0–240)", 30),
    ] = 30
    check_in_after_minutes: Annotated[
        Annotated[int, msgspec.Meta(ge=0, le=240)],
        doc("How many minutes after its slot starts a booking can still be checked in (0–240)", 15),
    ] = 15


class HallCreated(msgspec.Struct, frozen=True, kw_only=True):
    hall: Hall
    # What the hall's QR poster carries: citizens scan it to check in or take a number.
    check_in_code: Annotated[
        str,
        doc(
            "What the hall's QR poster carries: citizens scan it to check in or take "
            "a number (16 characters, base64url). Print it; it is the `hall_code` of "
            "the citizen routes",
            "pQ3x9Kd2LmWv7ZtA",
        ),
    ]


class HallView(msgspec.Struct, frozen=True, kw_only=True):
    hall: Hall
    services: Annotated[
        list[Service], doc("The hall's services, each with its own ticket prefix and slots", [])
    ]
    counters: Annotated[list[Counter], doc("The hall's counters and the services each calls", [])]


class HallList(msgspec.Struct, frozen=True, kw_only=True):
    items: list[Hall]


class ServiceCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    name: Annotated[Name, doc("The service's name", "社保业务")]
    prefix: Annotated[Prefix, doc("The letters its ticket numbers start with: one or two capitals", "A")]
    slot_minutes: Annotated[
        Annotated[int, msgspec.Meta(ge=5, le=240)],
        doc("Length of each bookable slot, in minutes (5–240)", 30),
    ] = 30
    slot_capacity: Annotated[
        Annotated[int, msgspec.Meta(ge=1, le=10_000)], doc("Bookings each slot takes (1–10000)", 10)
    ] = 10
    # The first guess of a service's length, until the moving average learns it.
    service_minutes: Annotated[
        Annotated[float, msgspec.Meta(ge=0.5, le=240)],
        doc(
            "A first guess of one ticket's service time in minutes, until the hall's actual times replace it",
            5.0,
        ),
    ] = 5.0
    # A restaurant's table band: the party sizes it seats (both, and only, for a restaurant).
    party_min: (
        Annotated[
            PartySize,
            doc("A restaurant's table band only: the smallest party it seats (with `party_max`)", 3),
        ]
        | None
    ) = None
    party_max: (
        Annotated[
            PartySize,
            doc("A restaurant's table band only: the largest party it seats (with `party_min`)", 4),
        ]
        | None
    ) = None


class CounterCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    name: Annotated[
        Annotated[str, plain_text(max_length=64)],
        doc("The counter's name, as the board and the call announce it", "3号窗口"),
    ]
    services: Annotated[
        Annotated[list[uuid.UUID], msgspec.Meta(min_length=1, max_length=50)],
        doc("The ids of the services it calls tickets for (1–50)", ["0f8fad5b-d9cb-469f-a165-70867728950e"]),
    ]


class Materialise(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    days: Annotated[
        Annotated[int, msgspec.Meta(ge=1, le=60)],
        doc("How many days ahead, from today, to create the bookable slots for (1–60)", 14),
    ] = 14


class Materialised(msgspec.Struct, frozen=True, kw_only=True):
    created: Annotated[int, doc("How many slots were created (those already there are kept)", 140)]


class SlotList(msgspec.Struct, frozen=True, kw_only=True):
    items: list[Slot]


class QueueBookingCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    slot_id: uuid.UUID
    # One of your active bookings to move to this slot (a reschedule), all or nothing.
    replaces: Annotated[
        uuid.UUID | None,
        doc(
            "One of your active bookings to move to this slot (a reschedule, all or "
            "nothing); null for a new booking",
            "7d444840-9dc0-11d1-b245-5ffdce74fad2",
        ),
    ] = None


class BookingList(msgspec.Struct, frozen=True, kw_only=True):
    items: list[Booking]


class CheckIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    hall_id: uuid.UUID
    hall_code: Annotated[
        HallCode, doc("The code of the hall's QR poster, scanned on the spot", "pQ3x9Kd2LmWv7ZtA")
    ]


class TableTake(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    # A whole number of people, as JSON Schema's "integer" means it: 4 and 4.0 alike (a generated
    # client may send either; schemathesis did).
    party_size: Annotated[
        Annotated[float, msgspec.Meta(ge=1, le=99, multiple_of=1)],
        doc("How many people, a whole number 1–99: picks the table band that seats them", 4),
    ]
    hall_code: Annotated[
        HallCode, doc("The code of the hall's QR poster, scanned on the spot", "pQ3x9Kd2LmWv7ZtA")
    ]


class WalkIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    service_id: uuid.UUID
    hall_code: Annotated[
        HallCode, doc("The code of the hall's QR poster, scanned on the spot", "pQ3x9Kd2LmWv7ZtA")
    ]


class KioskCheckIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    code: Annotated[
        CodeText,
        doc("The citizen code the kiosk read from the citizen's phone: checks in their booking for now"),
    ]


class KioskTake(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    service_id: uuid.UUID
    band: Annotated[
        Band,
        doc(
            "The priority band the kiosk staff grant: `disabled`, `elderly`, `booked` "
            "or `walk_in` (the default)",
            "walk_in",
        ),
    ] = "walk_in"
    # The citizen's code, when the number should be theirs (alerts, their app); none: a paper ticket.
    code: (
        Annotated[
            CodeText,
            doc(
                "The citizen code the kiosk read, to make the number the citizen's "
                "(alerts, their app); null: a paper ticket"
            ),
        ]
        | None
    ) = None


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
    seq: Annotated[
        int, doc("The newest event's number: send it back as `If-None-Match` to wait for news", 1842)
    ]
    events: Annotated[list[Event], doc("The hall's latest events, oldest first", [])]
