"""Tables of scenic spots and timed tickets. Days are the spot's local dates as ``YYYY-MM-DD`` text
(one spelling on SQLite and PostgreSQL); money is integer fen. Uniqueness, the per-ID-per-day index
and the capacity CHECK are in the second migration.

Secret: a visitor's name and ID number are sealed (``PersonalDataCipher``, columns
``tourism.visitor.*``); ``id_index`` is their blind index, the key of the per-ID-per-day limit."""

from piccolo.columns import UUID, Boolean, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table


class TourismSpot(Table, tablename="tourism_spot"):
    """A scenic spot. ``slug`` ties gate devices to it (a scanner registered with that venue).
    Each day from ``opens`` to ``closes`` (minutes after local midnight) is cut into slots of
    ``slot_minutes``; ``daily_capacity`` is shared out over them (the daily quota), and each slot's
    capacity over ``shards`` counter rows (a hot slot is not one row)."""

    id = UUID(primary_key=True)
    slug = Varchar(length=64)
    name = Varchar(length=128)
    address = Varchar(length=256)
    description = Text()
    opens = Integer()
    closes = Integer()
    slot_minutes = Integer()
    daily_capacity = Integer()
    shards = Integer()
    created_at = Timestamptz()


class TourismProduct(Table, tablename="tourism_product"):
    """A ticket type of a spot: adult, child, senior or free, with its price in fen."""

    id = UUID(primary_key=True)
    spot_id = UUID(index=True)
    kind = Varchar(length=16)
    name = Varchar(length=64)
    price_fen = Integer()


class TourismSlot(Table, tablename="tourism_slot"):
    """An entry window of a spot's day, materialised ahead; its capacity is split over its stock."""

    id = UUID(primary_key=True)
    spot_id = UUID()
    day = Varchar(length=10)
    starts_at = Timestamptz()
    ends_at = Timestamptz()
    capacity = Integer()


class TourismStock(Table, tablename="tourism_stock"):
    """One counter row of a slot: ``held + sold <= capacity`` is a database CHECK, and a hold takes
    its places by one conditional UPDATE of one row."""

    id = UUID(primary_key=True)
    slot_id = UUID()
    shard = Integer()
    capacity = Integer()
    held = Integer(default=0)
    sold = Integer(default=0)


class TourismVisitor(Table, tablename="tourism_visitor"):
    """Someone a citizen buys tickets for: themselves (``is_self``) or a companion they added."""

    id = UUID(primary_key=True)
    citizen_id = UUID(index=True)
    name_sealed = Text(secret=True)
    id_number_sealed = Text(secret=True)
    id_index = Varchar(length=64)
    is_self = Boolean(default=False)
    created_at = Timestamptz()


class TourismHold(Table, tablename="tourism_hold"):
    """A purchase: places held on one stock row until ``expires_at``, then paid (or expired,
    cancelled, refunded). ``order_id`` is the payment feature's order once the citizen pays."""

    id = UUID(primary_key=True)
    citizen_id = UUID(index=True)
    spot_id = UUID()
    slot_id = UUID()
    stock_id = UUID()
    day = Varchar(length=10)
    qty = Integer()
    amount_fen = Integer()
    state = Varchar(length=16)
    order_id = UUID(null=True, default=None)
    expires_at = Timestamptz()
    paid_at = Timestamptz(null=True, default=None)
    closed_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz()


class TourismTicket(Table, tablename="tourism_ticket"):
    """One real-name ticket: one visitor, one product. ``code_id`` is the random subject its signed
    QR carries; redeemed once, by one conditional UPDATE, inside ``valid_from``..``valid_until``."""

    id = UUID(primary_key=True)
    # Indexed with ``state`` (``tourism_ticket_hold``, a raw migration step): a hold's tickets are
    # always changed from one state.
    hold_id = UUID()
    citizen_id = UUID()
    spot_id = UUID()
    slot_id = UUID()
    day = Varchar(length=10)
    visitor_id = UUID()
    id_index = Varchar(length=64)
    product_id = UUID()
    kind = Varchar(length=16)
    price_fen = Integer()
    code_id = Varchar(length=16)
    state = Varchar(length=16)
    valid_from = Timestamptz()
    valid_until = Timestamptz()
    redeemed_at = Timestamptz(null=True, default=None)
    gate = Varchar(length=64, default="")
    created_at = Timestamptz()
    # Stamped by every change of ``state``: offline gates follow a spot's day by this cursor.
    changed_at = Timestamptz()


class TourismGateScan(Table, tablename="tourism_gate_scan"):
    """A ticket an offline gate let in, as the gate uploaded it: ``outcome`` is what the database
    decided when it arrived (``accepted`` the first entry; ``duplicate`` the same ticket already in
    through another gate or at another moment — a flag for the spot's staff; ``void``, ``unknown``,
    ``outside_window``). Unique per gate, code and moment, so a re-sent batch is recorded once."""

    id = UUID(primary_key=True)
    spot_id = UUID()
    day = Varchar(length=10)
    gate = Varchar(length=64)
    code_id = Varchar(length=16)
    ticket_id = UUID(null=True, default=None)
    scanned_at = Timestamptz()
    uploaded_at = Timestamptz()
    outcome = Varchar(length=16)
    first_gate = Varchar(length=64, default="")
    first_at = Timestamptz(null=True, default=None)


class TourismWaiter(Table, tablename="tourism_waiter"):
    """A place in a sold-out slot's waiting list: the tickets the citizen wants (visitor and product
    ids, JSON). When places come back the oldest waiter is offered them as a hold with a short expiry
    (``offered``, ``hold_id``); a waiter whose offer could not be made (a visitor meanwhile has a
    ticket that day) ``lapsed``; the citizen may leave (``left``)."""

    id = UUID(primary_key=True)
    slot_id = UUID()
    citizen_id = UUID(index=True)
    tickets = Text()
    qty = Integer()
    state = Varchar(length=16)
    hold_id = UUID(null=True, default=None)
    created_at = Timestamptz()
    offered_at = Timestamptz(null=True, default=None)
