from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

import msgspec

from backend.fields import plain_text, token_text

Code = Annotated[str, token_text(r"[A-Za-z0-9-]+", min_length=3, max_length=32)]
RoomCode = Annotated[str, token_text(r"[A-Z0-9]+", min_length=2, max_length=16)]
Channel = Literal["wechat_jsapi", "alipay_mini", "wechat_app", "alipay_app"]
IdNumber = Annotated[str, token_text(r"[0-9]{17}[0-9Xx]", min_length=18, max_length=18)]


class HotelCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    code: Code
    name: Annotated[str, plain_text(max_length=128)]
    district: Annotated[str, plain_text(max_length=32)]
    address: Annotated[str, plain_text(max_length=128)]
    phone: Annotated[str, token_text(r"[0-9-]+", min_length=5, max_length=20)]
    check_in_minute: Annotated[int, msgspec.Meta(ge=0, le=1439)] = 840
    free_cancel_hours: Annotated[int, msgspec.Meta(ge=0, le=168)] = 6
    late_fee_percent: Annotated[int, msgspec.Meta(ge=0, le=100)] = 100


class RoomTypeCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    code: RoomCode
    name: Annotated[str, plain_text(max_length=64)]
    beds: Annotated[str, plain_text(max_length=32)]
    rooms: Annotated[int, msgspec.Meta(ge=1, le=2000)]
    price_fen: Annotated[int, msgspec.Meta(ge=1, le=10_000_000)]


class RoomTypeRead(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    code: str
    name: str
    beds: str
    rooms: int
    price_fen: int


class HotelRead(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    code: str
    name: str
    district: str
    address: str
    phone: str
    check_in_minute: int
    free_cancel_hours: int
    late_fee_percent: int


class HotelDetail(msgspec.Struct, frozen=True, kw_only=True):
    hotel: HotelRead
    room_types: list[RoomTypeRead]


class HotelPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[HotelRead]


class RoomLeft(msgspec.Struct, frozen=True, kw_only=True):
    room_type: RoomTypeRead
    left: int
    amount_fen: int


class Availability(msgspec.Struct, frozen=True, kw_only=True):
    arrival: date
    departure: date
    items: list[RoomLeft]


class HotelBookingCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    room_type_id: uuid.UUID
    arrival: date
    departure: date
    channel: Channel


class BookingRead(msgspec.Struct, frozen=True, kw_only=True):
    """A booking; ``room_no`` and ``key_code`` once checked in (the key code to its guest only)."""

    id: uuid.UUID
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
    key_code: str | None
    key_valid_until: str


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
