"""Tables of parking. Plates are personal data: sealed (AES-GCM) with a keyed HMAC blind index for
lookup and a masked spelling for display; stays and reservations lose all three after the retention
period. Reservation buckets are whole hours numbered from the epoch (``hour``: one integer on SQLite
and PostgreSQL). The capacity check and the unique indexes are in the second migration."""

from piccolo.columns import UUID, BigInt, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table


class ParkingLot(Table, tablename="parking_lot"):
    """A car park; ``code`` is its code at the gate platform. Its tariff: the first ``free_minutes``
    are free (a longer stay pays from its first minute), then ``hour_fen`` per started hour, at most
    ``daily_cap_fen`` per 24 hours. ``reservable`` bays may be reserved per hour."""

    id = UUID(primary_key=True)
    code = Varchar(length=32)
    name = Varchar(length=128)
    address = Varchar(length=128)
    bays = Integer()
    reservable = Integer()
    free_minutes = Integer()
    hour_fen = Integer()
    daily_cap_fen = Integer()
    created_at = Timestamptz()


class ParkingBay(Table, tablename="parking_bay"):
    """A bay of a lot: ``kind`` standard, ev (charging) or accessible; ``reservable`` counts toward
    the lot's reservable bays."""

    id = UUID(primary_key=True)
    lot_id = UUID(index=True)
    code = Varchar(length=16)
    kind = Varchar(length=16)
    reservable = Integer()


class ParkingBucket(Table, tablename="parking_bucket"):
    """Reservations of a lot in one hour: ``reserved <= capacity`` is a CHECK (a trigger on SQLite).
    Made on first demand; a reservation takes every hour of its window by one conditional UPDATE."""

    lot_id = UUID()
    hour = BigInt()
    capacity = Integer()
    reserved = Integer(default=0)


class ParkingPlate(Table, tablename="parking_plate"):
    """A plate a citizen linked: they may pay its stays."""

    id = UUID(primary_key=True)
    citizen_id = UUID()
    plate_index = Varchar(length=64)
    plate_sealed = Text(secret=True)
    plate_masked = Varchar(length=16)
    created_at = Timestamptz()


class ParkingReservation(Table, tablename="parking_reservation"):
    """A bay reserved for a plate ``starts_at`` → ``ends_at`` (hours ``first_hour`` .. ``last_hour``
    exclusive): ``active`` → ``used`` (the car entered) | ``cancelled`` | ``expired`` (no-show)."""

    id = UUID(primary_key=True)
    citizen_id = UUID()
    lot_id = UUID()
    plate_index = Varchar(length=64)
    plate_sealed = Text(secret=True)
    plate_masked = Varchar(length=16)
    starts_at = Timestamptz()
    ends_at = Timestamptz()
    first_hour = BigInt()
    last_hour = BigInt()
    status = Varchar(length=16)
    created_at = Timestamptz()
    changed_at = Timestamptz()


class ParkingStay(Table, tablename="parking_stay"):
    """A car in a lot, from the gate's events: ``parked`` → ``exiting`` (at the exit, barrier closed)
    → ``exited``. ``paid_fen`` is what its paid orders covered; ``anonymised_at`` set once the plate
    was erased."""

    id = UUID(primary_key=True)
    lot_id = UUID()
    plate_index = Varchar(length=64)
    plate_sealed = Text(secret=True)
    plate_masked = Varchar(length=16)
    reservation_id = UUID(null=True, default=None)
    status = Varchar(length=16)
    entered_at = Timestamptz()
    exit_requested_at = Timestamptz(null=True, default=None)
    exited_at = Timestamptz(null=True, default=None)
    paid_fen = Integer(default=0)
    anonymised_at = Timestamptz(null=True, default=None)


class ParkingPayment(Table, tablename="parking_payment"):
    """One order for a stay's fee up to ``covers_until``: ``pending`` → ``paid``."""

    id = UUID(primary_key=True)
    stay_id = UUID()
    citizen_id = UUID()
    order_id = UUID()
    amount_fen = Integer()
    covers_until = Timestamptz()
    status = Varchar(length=16)
    created_at = Timestamptz()


class ParkingGateEvent(Table, tablename="parking_gate_event"):
    """A gate event taken (``event_id`` unique: a re-read event changes nothing) and the feed's cursor
    (``ParkingFeed``) moved in the same transaction."""

    event_id = Varchar(length=40)
    seq = BigInt()
    taken_at = Timestamptz()


class ParkingFeed(Table, tablename="parking_feed"):
    """Where we are in the gate platform's event feed."""

    name = Varchar(length=16)
    last_seq = BigInt()
