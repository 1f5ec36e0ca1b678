"""Tables of hotel bookings. Nights are the hotel's local dates as ``YYYY-MM-DD`` text (one spelling
on SQLite and PostgreSQL, ordered as text). The inventory check and the unique indexes are in the
second migration."""

from piccolo.columns import UUID, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table


class HotelHotel(Table, tablename="hotel_hotel"):
    """A hotel; ``code`` is its code at the PMS gateway. Cancellation is free until
    ``free_cancel_hours`` before the arrival day's check-in time (``check_in_minute`` after local
    midnight); later it costs ``late_fee_percent`` of the first night."""

    id = UUID(primary_key=True)
    code = Varchar(length=32)
    name = Varchar(length=128)
    district = Varchar(length=32)
    address = Varchar(length=128)
    phone = Varchar(length=20)
    check_in_minute = Integer()
    free_cancel_hours = Integer()
    late_fee_percent = Integer()
    created_at = Timestamptz()


class HotelRoomType(Table, tablename="hotel_room_type"):
    """A room type of a hotel (``code`` is the PMS's): ``rooms`` of it are sold per night at
    ``price_fen``."""

    id = UUID(primary_key=True)
    hotel_id = UUID(index=True)
    code = Varchar(length=16)
    name = Varchar(length=64)
    beds = Varchar(length=32)
    rooms = Integer()
    price_fen = Integer()
    created_at = Timestamptz()


class HotelNight(Table, tablename="hotel_night"):
    """The inventory of one room type on one night: ``booked <= capacity`` is a CHECK (a trigger on
    SQLite). Rows are made on first demand with the room type's room count; a stay takes every
    night's row by one conditional UPDATE, all or none."""

    room_type_id = UUID()
    night = Varchar(length=10)
    capacity = Integer()
    booked = Integer(default=0)


class HotelBooking(Table, tablename="hotel_booking"):
    """A citizen's booking of one room for ``arrival`` → ``departure``: ``pending`` (holding its nights
    until the order expires) → ``confirmed`` (paid) → ``checked_in``; or ``cancelled`` / ``expired``
    (nights given back). ``key_code`` is sealed (AES-GCM); ``refund_fen`` is what a cancellation
    refunds, ``refunded_fen`` what the payment feature reported refunded."""

    id = UUID(primary_key=True)
    citizen_id = UUID()
    hotel_id = UUID()
    room_type_id = UUID()
    arrival = Varchar(length=10)
    departure = Varchar(length=10)
    nights = Integer()
    amount_fen = Integer()
    status = Varchar(length=16)
    order_id = UUID(null=True, default=None)
    expires_at = Timestamptz()
    fee_fen = Integer(default=0)
    refund_fen = Integer(default=0)
    refunded_fen = Integer(default=0)
    room_no = Varchar(length=16, default="")
    key_code = Text(default="", secret=True)
    key_valid_until = Varchar(length=32, default="")
    created_at = Timestamptz()
    changed_at = Timestamptz()
