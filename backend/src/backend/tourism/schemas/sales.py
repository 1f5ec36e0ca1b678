"""Tourism's HTTP shapes of selling: spots, products, slots, visitors, holds, tickets and their
payment."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import msgspec

from backend.fields import doc, plain_text, token_text
from backend.payment.schemas import PayChannel
from backend.tourism.model import MAX_TICKETS, ProductKind

IdNumber = Annotated[str, token_text(r"[0-9]{17}[0-9Xx]", min_length=18, max_length=18)]
Slug = Annotated[str, token_text(r"[a-z0-9][a-z0-9-]*", min_length=2, max_length=64)]
Minutes = Annotated[int, msgspec.Meta(ge=0, le=24 * 60)]


class ProductCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    kind: Annotated[
        ProductKind, doc("The ticket type it sells: `adult`, `child`, `senior` or `free`", "adult")
    ]
    name: Annotated[str, plain_text(max_length=64)]
    price_fen: Annotated[int, msgspec.Meta(ge=0, le=1_000_000)]


class SpotCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    slug: Annotated[
        Slug, doc("The spot's short name in URLs: lower-case letters, digits and hyphens, 2–64", "luoma-lake")
    ]
    name: Annotated[str, plain_text(max_length=128)]
    address: Annotated[str, plain_text(max_length=256)]
    description: Annotated[str, plain_text(min_length=0, max_length=1000)] = ""
    opens: Annotated[
        Minutes, doc("When the spot opens, in minutes after local midnight (Beijing time): 510 is 08:30", 510)
    ]
    closes: Annotated[Minutes, doc("When it closes, in minutes after local midnight: 1050 is 17:30", 1050)]
    slot_minutes: Annotated[
        Annotated[int, msgspec.Meta(ge=15, le=24 * 60)],
        doc("Length of each entry slot in minutes (15–1440)", 60),
    ] = 60
    daily_capacity: Annotated[
        Annotated[int, msgspec.Meta(ge=1, le=1_000_000)],
        doc("Visitors a day, shared out over the day's slots", 8000),
    ]
    # Counter rows per slot: more for a flash sale (research/bookings.md §e-3: 8 rows ≈ 5.5× one).
    shards: Annotated[
        Annotated[int, msgspec.Meta(ge=1, le=64)],
        doc("Counter rows per slot (1–64): more for a flash sale, so concurrent buyers contend less", 1),
    ] = 1
    products: Annotated[
        Annotated[list[ProductCreate], msgspec.Meta(min_length=1, max_length=4)],
        doc(
            "The ticket types on sale (1–4), each with its price",
            [{"kind": "adult", "name": "成人票", "price_fen": 6000}],
        ),
    ]


class ProductRead(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    kind: Annotated[str, doc("The ticket type: `adult`, `child`, `senior` or `free`", "adult")]
    name: Annotated[str, doc("The product's name, as the shop shows it", "成人票")]
    price_fen: int


class SpotRead(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    slug: Annotated[str, doc("The spot's short name in URLs", "luoma-lake")]
    name: Annotated[str, doc("The spot's name", "骆马湖旅游度假区")]
    address: Annotated[str, doc("Where the spot is", "宿迁市湖滨新区骆马湖南岸")]
    description: Annotated[
        str, doc("What the spot is, in a few lines; may be empty", "国家级水利风景区，湖光沙滩与湿地步道。")
    ]
    opens: Annotated[
        int, doc("When the spot opens, in minutes after local midnight (Beijing time): 510 is 08:30", 510)
    ]
    closes: Annotated[int, doc("When it closes, in minutes after local midnight: 1050 is 17:30", 1050)]
    slot_minutes: Annotated[int, doc("Length of each entry slot in minutes", 60)]
    daily_capacity: Annotated[int, doc("Visitors a day, over all its slots", 8000)]
    products: Annotated[list[ProductRead], doc("The ticket types on sale, with prices", [])]


class SpotPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[SpotRead]


class TourismSlotRead(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    day: str
    starts_at: datetime
    ends_at: datetime
    capacity: Annotated[int, doc("Places in the slot", 800)]
    available: Annotated[int, doc("Places still on sale now (capacity less those held and sold)", 37)]


class SlotPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[TourismSlotRead]


class SlotCounters(msgspec.Struct, frozen=True, kw_only=True):
    capacity: Annotated[int, doc("Places in the slot, summed over its counter rows", 800)]
    held: Annotated[int, doc("Places held by unpaid purchases", 12)]
    sold: Annotated[int, doc("Places paid for", 751)]


class CapacitySet(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    capacity: Annotated[
        Annotated[int, msgspec.Meta(ge=0, le=1_000_000)],
        doc("The slot's places (its quota): never fewer than those held and sold", 900),
    ]


class VisitorCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    name: Annotated[str, plain_text(max_length=32)]
    id_number: IdNumber


class VisitorRead(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    name: Annotated[str, doc("The visitor's name, masked as the API masks names", "张**")]
    id_number: Annotated[str, doc("The visitor's resident ID number, masked", "3213**********1234")]
    is_self: Annotated[
        bool, doc("Whether the visitor is the citizen themself (added from their real-name identity)", False)
    ]
    created_at: datetime


class VisitorPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[VisitorRead]


class TicketWanted(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    visitor_id: uuid.UUID
    product_id: uuid.UUID


class HoldCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    slot_id: uuid.UUID
    tickets: Annotated[
        Annotated[list[TicketWanted], msgspec.Meta(min_length=1, max_length=MAX_TICKETS)],
        doc("The tickets to hold, one per visitor (1-10)"),
    ]
    admission: (
        Annotated[
            str,
            msgspec.Meta(
                pattern=r"^[0-9]{1,12}\.[A-Za-z0-9_-]{24}$",
                max_length=40,
                description="Your pass from the slot's admission queue, when its sale has one "
                "(POST /slots/{id}/admission)",
            ),
        ]
        | None
    ) = None


class TourismTicketRead(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    hold_id: uuid.UUID
    spot_id: uuid.UUID
    slot_id: uuid.UUID
    day: str
    visitor_id: uuid.UUID
    kind: Annotated[str, doc("The ticket type: adult, child, senior or free", "adult")]
    price_fen: int
    state: Annotated[str, doc("held (not paid yet), valid, redeemed or void", "valid")]
    valid_from: Annotated[
        datetime, doc("The gate lets it in from this instant (its slot start less enter_early)")
    ]
    valid_until: Annotated[datetime, doc("…until this instant (the spot closes that day)")]
    redeemed_at: datetime | None = None


class TourismTicketPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[TourismTicketRead]


class HoldRead(msgspec.Struct, frozen=True, kw_only=True):
    """A purchase: ``held`` until ``expires_at`` (pay before then), then ``paid`` (its tickets are
    valid), ``expired``, ``cancelled`` or ``refunded``."""

    id: uuid.UUID
    spot_id: uuid.UUID
    slot_id: uuid.UUID
    day: str
    qty: Annotated[int, doc("How many tickets the purchase holds", 2)]
    amount_fen: int
    state: Annotated[
        str,
        doc(
            "Where the purchase is: `held` (pay before `expires_at`), `paid` (its "
            "tickets are valid), `expired`, `cancelled` or `refunded`",
            "held",
        ),
    ]
    order_id: uuid.UUID | None
    expires_at: datetime
    paid_at: datetime | None
    created_at: datetime
    tickets: Annotated[list[TourismTicketRead], doc("The purchase's tickets, one per visitor", [])]


class HoldPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[HoldRead]


class HoldPay(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    channel: PayChannel


class HoldPaymentStarted(msgspec.Struct, frozen=True, kw_only=True):
    """Hand ``pay_arguments`` to the cashier (empty, with no order, for free tickets: confirmed)."""

    hold: HoldRead
    order_status: str
    expires_at: datetime | None
    pay_arguments: dict[str, str]
