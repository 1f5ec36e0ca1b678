"""The tourism feature's domain types: what its services take and give (controllers map them), and
the rules that need no database: who may buy which ticket type, how a day is cut into slots."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta, timezone
from typing import Literal

import msgspec

# Spots keep Beijing time; slots are stored in UTC.
BEIJING = timezone(timedelta(hours=8))
ProductKind = Literal["adult", "child", "senior", "free"]
PRODUCT_KINDS: tuple[ProductKind, ...] = ("adult", "child", "senior", "free")
WaiterState = Literal["waiting", "offered", "lapsed", "left"]
# A ticket as an offline gate sees it, and what became of an entry an offline gate uploaded.
FeedState = Literal["valid", "redeemed", "void"]
GateOutcome = Literal[
    "accepted", "duplicate", "void", "unknown", "wrong_spot", "outside_window", "code_invalid", "code_expired"
]
HoldState = Literal["held", "paid", "expired", "cancelled", "refunded"]
TicketState = Literal["held", "valid", "redeemed", "void"]
# A purchase is at most this many tickets (one per visitor).
MAX_TICKETS = 10


class Spot(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    slug: str
    name: str
    address: str
    description: str
    opens: int
    closes: int
    slot_minutes: int
    daily_capacity: int
    shards: int
    created_at: datetime


class Product(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    spot_id: uuid.UUID
    kind: str
    name: str
    price_fen: int


class NewProduct(msgspec.Struct, frozen=True, kw_only=True):
    kind: ProductKind
    name: str
    price_fen: int


class Slot(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    spot_id: uuid.UUID
    day: str
    starts_at: datetime
    ends_at: datetime
    capacity: int


class Availability(msgspec.Struct, frozen=True, kw_only=True):
    slot: Slot
    available: int


class Visitor(msgspec.Struct, frozen=True, kw_only=True):
    """A visitor as the citizen sees them: name and ID number masked."""

    id: uuid.UUID
    name: str
    id_number: str
    is_self: bool
    created_at: datetime


class VisitorKey(msgspec.Struct, frozen=True, kw_only=True):
    """What a purchase needs of a visitor: the blind index (the per-ID limit) and the birth date."""

    id: uuid.UUID
    id_index: str
    born: date


class TicketRequest(msgspec.Struct, frozen=True, kw_only=True):
    visitor_id: uuid.UUID
    product_id: uuid.UUID


class Hold(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    citizen_id: uuid.UUID
    spot_id: uuid.UUID
    slot_id: uuid.UUID
    stock_id: uuid.UUID
    day: str
    qty: int
    amount_fen: int
    state: str
    order_id: uuid.UUID | None
    expires_at: datetime
    paid_at: datetime | None
    closed_at: datetime | None
    created_at: datetime


class Ticket(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    hold_id: uuid.UUID
    citizen_id: uuid.UUID
    spot_id: uuid.UUID
    slot_id: uuid.UUID
    day: str
    visitor_id: uuid.UUID
    id_index: str
    product_id: uuid.UUID
    kind: str
    price_fen: int
    code_id: str
    state: str
    valid_from: datetime
    valid_until: datetime
    redeemed_at: datetime | None
    gate: str
    created_at: datetime
    changed_at: datetime


class TicketCode(msgspec.Struct, frozen=True, kw_only=True):
    code: str
    expires_at: datetime


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def kind_admits(kind: str, age: int) -> bool:
    """Whether a visitor of ``age`` (on the visit day) may use a ticket of ``kind``: free under 6 or
    from 70, child 6-17, senior from 60, adult anyone (the usual Jiangsu scenic-spot rules)."""
    if kind == "free":
        return age < 6 or age >= 70
    if kind == "child":
        return 6 <= age < 18
    if kind == "senior":
        return age >= 60
    return kind == "adult"


def slot_windows(spot: Spot, day: date) -> list[tuple[datetime, datetime, int]]:
    """The day's slots (start, end, capacity): opening hours cut by ``slot_minutes``, the daily
    capacity shared out so that the slots add up to it exactly (the daily quota)."""
    starts = list(range(spot.opens, spot.closes, spot.slot_minutes))
    base, extra = divmod(spot.daily_capacity, len(starts))
    midnight = datetime.combine(day, time(), BEIJING)
    return [
        (
            midnight + timedelta(minutes=start),
            midnight + timedelta(minutes=min(start + spot.slot_minutes, spot.closes)),
            base + (1 if i < extra else 0),
        )
        for i, start in enumerate(starts)
    ]


def shard_capacities(capacity: int, shards: int) -> list[int]:
    """A slot's capacity over its counter rows, within ±1 of each other."""
    base, extra = divmod(capacity, shards)
    return [base + (1 if i < extra else 0) for i in range(shards)]


class Waiter(msgspec.Struct, frozen=True, kw_only=True):
    """A place in a sold-out slot's waiting list: ``waiting``, ``offered`` (``hold_id`` is the hold
    made for them: its id is the waiter's), ``lapsed`` (the offer could not be made) or ``left``."""

    id: uuid.UUID
    slot_id: uuid.UUID
    citizen_id: uuid.UUID
    tickets: list[TicketRequest]
    qty: int
    state: WaiterState
    hold_id: uuid.UUID | None
    created_at: datetime
    offered_at: datetime | None
