from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

import msgspec

from backend.fields import plain_text, token_text

Channel = Literal["wechat_jsapi", "alipay_mini", "wechat_app", "alipay_app"]
Fen = Annotated[int, msgspec.Meta(ge=0, le=1_000_000)]


class BayCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    code: Annotated[str, token_text(r"[A-Za-z0-9-]+", min_length=1, max_length=16)]
    kind: Literal["standard", "ev", "accessible"] = "standard"
    reservable: bool = False


class LotCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    code: Annotated[str, token_text(r"[A-Za-z0-9-]+", min_length=3, max_length=32)]
    name: Annotated[str, plain_text(max_length=128)]
    address: Annotated[str, plain_text(max_length=128)]
    free_minutes: Annotated[int, msgspec.Meta(ge=0, le=1440)] = 15
    hour_fen: Fen
    daily_cap_fen: Fen
    bays: Annotated[list[BayCreate], msgspec.Meta(min_length=1, max_length=5000)]


class LotRead(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    code: str
    name: str
    address: str
    bays: int
    reservable: int
    free_minutes: int
    hour_fen: int
    daily_cap_fen: int


class LotPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[LotRead]


class BayRead(msgspec.Struct, frozen=True, kw_only=True):
    code: str
    kind: str
    reservable: bool


class LotDetail(msgspec.Struct, frozen=True, kw_only=True):
    lot: LotRead
    bays: list[BayRead]


class LotAvailability(msgspec.Struct, frozen=True, kw_only=True):
    lot_id: uuid.UUID
    starts_at: datetime
    ends_at: datetime
    left: int


class PlateCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A plate as people write it: ``苏N12345``, ``苏ND12345`` (new-energy), ``苏N·12345``."""

    plate: Annotated[str, plain_text(min_length=7, max_length=12)]


class PlateRead(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    plate: str  # masked: 苏N****5
    created_at: datetime


class PlatePage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[PlateRead]


class ReservationCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    lot_id: uuid.UUID
    plate_id: uuid.UUID
    starts_at: datetime
    ends_at: datetime


class ReservationRead(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    lot_id: uuid.UUID
    plate: str
    starts_at: datetime
    ends_at: datetime
    status: str


class ReservationPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[ReservationRead]


class StayRead(msgspec.Struct, frozen=True, kw_only=True):
    """A car's stay in a lot; ``due_fen`` is what it owes now beyond ``paid_fen``."""

    id: uuid.UUID
    lot_id: uuid.UUID
    plate: str
    status: str
    entered_at: datetime
    exit_requested_at: datetime | None
    exited_at: datetime | None
    paid_fen: int
    due_fen: int
    reserved: bool


class StayPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[StayRead]


class StayPay(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    channel: Channel


class StayPayment(msgspec.Struct, frozen=True, kw_only=True):
    """Hand ``pay_arguments`` to the cashier; once paid, the exit barrier opens for the plate."""

    stay: StayRead
    order_id: uuid.UUID
    amount_fen: int
    order_status: str
    pay_arguments: dict[str, str]
