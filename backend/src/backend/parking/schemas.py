from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

import msgspec

from backend.fields import doc, plain_text, token_text
from backend.payment.schemas import PayChannel

Fen = Annotated[int, msgspec.Meta(ge=0, le=1_000_000)]


class BayCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    code: Annotated[
        Annotated[str, token_text(r"[A-Za-z0-9-]+", min_length=1, max_length=16)],
        doc("The bay's code as painted in the lot (letters, digits, hyphens; 1–16)", "B2-031"),
    ]
    kind: Annotated[
        Literal["standard", "ev", "accessible"],
        doc("The bay's kind: `standard`, `ev` (with a charger) or `accessible`", "standard"),
    ] = "standard"
    reservable: Annotated[
        bool, doc("Whether citizens may reserve it ahead; the others take cars as they come", False)
    ] = False


class LotCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    code: Annotated[
        Annotated[str, token_text(r"[A-Za-z0-9-]+", min_length=3, max_length=32)],
        doc("The lot's code in the parking operator's system (letters, digits, hyphens; 3–32)", "SQ-P-0107"),
    ]
    name: Annotated[str, plain_text(max_length=128)]
    address: Annotated[str, plain_text(max_length=128)]
    free_minutes: Annotated[
        Annotated[int, msgspec.Meta(ge=0, le=1440)],
        doc("A stay this short, in minutes, is free; a longer one pays from its first minute (0–1440)", 15),
    ] = 15
    hour_fen: Fen
    daily_cap_fen: Fen
    bays: Annotated[
        Annotated[list[BayCreate], msgspec.Meta(min_length=1, max_length=5000)],
        doc("The lot's bays (1–5000)", [{"code": "B2-031", "kind": "standard", "reservable": True}]),
    ]


class LotRead(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    code: Annotated[str, doc("The lot's code in the parking operator's system", "SQ-P-0107")]
    name: Annotated[str, doc("The lot's name", "宿迁市民中心地下停车场")]
    address: Annotated[str, doc("Where the lot is", "宿迁市宿城区发展大道88号")]
    bays: Annotated[int, doc("How many bays it has", 420)]
    reservable: Annotated[int, doc("How many of them can be reserved ahead", 40)]
    free_minutes: Annotated[
        int,
        doc(
            "A stay this short, in minutes, is free; a longer one pays `hour_fen` per "
            "started hour, at most `daily_cap_fen` per started 24 hours",
            15,
        ),
    ]
    hour_fen: int
    daily_cap_fen: int


class LotPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[LotRead]


class BayRead(msgspec.Struct, frozen=True, kw_only=True):
    code: Annotated[str, doc("The bay's code as painted in the lot", "B2-031")]
    kind: Annotated[str, doc("The bay's kind: `standard`, `ev` (with a charger) or `accessible`", "ev")]
    reservable: Annotated[bool, doc("Whether citizens may reserve it ahead", True)]


class LotDetail(msgspec.Struct, frozen=True, kw_only=True):
    lot: LotRead
    bays: Annotated[list[BayRead], doc("The lot's bays", [])]


class LotAvailability(msgspec.Struct, frozen=True, kw_only=True):
    lot_id: uuid.UUID
    starts_at: datetime
    ends_at: datetime
    left: Annotated[int, doc("Reservable bays still free over the whole of `starts_at`..`ends_at`", 6)]


class PlateCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A plate as people write it: ``苏N12345``, ``苏ND12345`` (new-energy), ``苏N·12345``."""

    plate: Annotated[str, plain_text(min_length=7, max_length=12)]


class PlateRead(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    plate: Annotated[
        str, doc("The car's plate, masked: province, city letter and the last character kept", "苏N****5")
    ]  # masked: 苏N****5
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
    plate: Annotated[
        str, doc("The car's plate, masked: province, city letter and the last character kept", "苏N****5")
    ]
    starts_at: datetime
    ends_at: datetime
    status: Annotated[
        str,
        doc(
            "Where the reservation is: `active`, `used` (the car came in with it), "
            "`cancelled` or `expired` (it did not come)",
            "active",
        ),
    ]


class ReservationPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[ReservationRead]


class StayRead(msgspec.Struct, frozen=True, kw_only=True):
    """A car's stay in a lot; ``due_fen`` is what it owes now beyond ``paid_fen``."""

    id: uuid.UUID
    lot_id: uuid.UUID
    plate: Annotated[
        str, doc("The car's plate, masked: province, city letter and the last character kept", "苏N****5")
    ]
    status: Annotated[
        str, doc("Where the stay is: `parked`, `exiting` (at the exit barrier, to pay) or `exited`", "parked")
    ]
    entered_at: datetime
    exit_requested_at: datetime | None
    exited_at: datetime | None
    paid_fen: int
    due_fen: int
    reserved: Annotated[bool, doc("Whether the car came in on a reservation", False)]


class StayPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[StayRead]


class StayPay(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    channel: PayChannel


class StayPayment(msgspec.Struct, frozen=True, kw_only=True):
    """Hand ``pay_arguments`` to the cashier; once paid, the exit barrier opens for the plate."""

    stay: StayRead
    order_id: uuid.UUID
    amount_fen: int
    order_status: str
    pay_arguments: dict[str, str]
