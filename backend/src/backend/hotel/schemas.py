from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

import msgspec

from backend.fields import doc, plain_text, token_text
from backend.payment.schemas import PayChannel

Code = Annotated[str, token_text(r"[A-Za-z0-9-]+", min_length=3, max_length=32)]
RoomCode = Annotated[str, token_text(r"[A-Z0-9]+", min_length=2, max_length=16)]
IdNumber = Annotated[str, token_text(r"[0-9]{17}[0-9Xx]", min_length=18, max_length=18)]


class HotelCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    code: Annotated[
        Code, doc("The hotel's code in the hotel's PMS (letters, digits, hyphens; 3–32)", "SQ-HT-0012")
    ]
    name: Annotated[str, plain_text(max_length=128)]
    district: Annotated[str, plain_text(max_length=32)]
    address: Annotated[str, plain_text(max_length=128)]
    phone: Annotated[
        Annotated[str, token_text(r"[0-9-]+", min_length=5, max_length=20)],
        doc("The front desk's phone, digits and hyphens", "0527-84360000"),
    ]
    check_in_minute: Annotated[
        Annotated[int, msgspec.Meta(ge=0, le=1439)],
        doc("Check-in time, in minutes after local midnight (Beijing time): 840 is 14:00", 840),
    ] = 840
    free_cancel_hours: Annotated[
        Annotated[int, msgspec.Meta(ge=0, le=168)],
        doc(
            "Cancellation is free until this many hours before check-in time on the day of arrival (0–168)", 6
        ),
    ] = 6
    late_fee_percent: Annotated[
        Annotated[int, msgspec.Meta(ge=0, le=100)],
        doc("What a later cancellation costs, in percent of the first night (0–100)", 100),
    ] = 100


class RoomTypeCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    code: Annotated[
        RoomCode, doc("The room type's code in the hotel's PMS (capitals and digits, 2–16)", "DBL")
    ]
    name: Annotated[str, plain_text(max_length=64)]
    beds: Annotated[str, plain_text(max_length=32)]
    rooms: Annotated[
        Annotated[int, msgspec.Meta(ge=1, le=2000)],
        doc("How many rooms of the type are sold each night (1–2000)", 40),
    ]
    price_fen: Annotated[int, msgspec.Meta(ge=1, le=10_000_000)]


class RoomTypeRead(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    code: Annotated[str, doc("The room type's code in the hotel's PMS", "DBL")]
    name: Annotated[str, doc("The room type's name", "豪华大床房")]
    beds: Annotated[str, doc("The beds, as the hotel words them", "1.8米大床")]
    rooms: Annotated[int, doc("How many rooms of the type are sold each night", 40)]
    price_fen: int


class HotelRead(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    code: Annotated[str, doc("The hotel's code in its PMS", "SQ-HT-0012")]
    name: Annotated[str, doc("The hotel's name", "宿迁水木年华酒店")]
    district: Annotated[str, doc("The district it is in", "宿城区")]
    address: Annotated[str, doc("Where it is", "宿迁市宿城区幸福中路88号")]
    phone: Annotated[str, doc("The front desk's phone", "0527-84360000")]
    check_in_minute: Annotated[
        int, doc("Check-in time, in minutes after local midnight (Beijing time): 840 is 14:00", 840)
    ]
    free_cancel_hours: Annotated[
        int, doc("Cancellation is free until this many hours before check-in time on the day of arrival", 6)
    ]
    late_fee_percent: Annotated[
        int,
        doc("What a later cancellation costs, in percent of the first night (never more than was paid)", 100),
    ]


class HotelDetail(msgspec.Struct, frozen=True, kw_only=True):
    hotel: HotelRead
    room_types: Annotated[list[RoomTypeRead], doc("The hotel's room types, with prices", [])]


class HotelPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[HotelRead]


class RoomLeft(msgspec.Struct, frozen=True, kw_only=True):
    room_type: RoomTypeRead
    left: Annotated[int, doc("Rooms of the type free on every night of the stay", 3)]
    amount_fen: int


class Availability(msgspec.Struct, frozen=True, kw_only=True):
    arrival: Annotated[date, doc("The day of arrival asked about (YYYY-MM-DD)", "2026-12-24")]
    departure: Annotated[date, doc("The day of departure asked about (YYYY-MM-DD)", "2026-12-26")]
    items: list[RoomLeft]


class HotelBookingCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    room_type_id: uuid.UUID
    arrival: Annotated[
        date, doc("The day of arrival (YYYY-MM-DD, local): today up to 180 days ahead", "2026-12-24")
    ]
    departure: Annotated[
        date, doc("The day of departure (YYYY-MM-DD): 1 to 30 nights after arrival", "2026-12-26")
    ]
    channel: PayChannel


class BookingRead(msgspec.Struct, frozen=True, kw_only=True):
    """A booking; ``room_no`` and ``key_code`` once checked in (the key code to its guest only)."""

    id: uuid.UUID
    hotel_id: uuid.UUID
    room_type_id: uuid.UUID
    arrival: Annotated[str, doc("The day of arrival (YYYY-MM-DD)", "2026-12-24")]
    departure: Annotated[str, doc("The day of departure (YYYY-MM-DD)", "2026-12-26")]
    nights: Annotated[int, doc("How many nights", 2)]
    amount_fen: int
    status: Annotated[
        str,
        doc(
            "Where the booking is: `pending` (pay before `expires_at`), `confirmed` "
            "(paid), `checked_in`, `cancelled` (see `fee_fen` and `refund_fen`) or "
            "`expired` (not paid in time)",
            "confirmed",
        ),
    ]
    order_id: uuid.UUID | None
    expires_at: datetime
    fee_fen: int
    refund_fen: int
    refunded_fen: int
    room_no: Annotated[str, doc("The room, once checked in; empty before", "1206")]
    key_code: Annotated[
        str | None,
        doc("The door's key code, to the booking's own guest once checked in; null otherwise", "384920"),
    ]
    key_valid_until: Annotated[
        str,
        doc(
            "Until when the key opens the door (ISO 8601 with the hotel's offset, as "
            "its PMS says); empty before check-in",
            "2026-12-26T12:00:00+08:00",
        ),
    ]


class BookingPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[BookingRead]


class BookingStarted(msgspec.Struct, frozen=True, kw_only=True):
    """Hand ``pay_arguments`` to the cashier (see the payment feature)."""

    booking: BookingRead
    order_status: str
    pay_arguments: dict[str, str]


class CheckInBody(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """As read from the guest's ID card at the kiosk (or typed on the phone)."""

    name: Annotated[str, plain_text(max_length=32)]
    id_number: IdNumber
