"""Tables of appointment queues. Days are the hall's local dates as ``YYYY-MM-DD`` text (one spelling
on SQLite and PostgreSQL); orders that decide who is next are integers. Uniqueness, partial indexes and
the capacity check are in the second migration."""

from piccolo.columns import UUID, BigInt, Integer, Real, Text, Timestamptz, Varchar
from piccolo.table import Table


class QueueHall(Table, tablename="queue_hall"):
    """A service centre or hospital department. ``venue`` ties kiosks to it (a scanner device
    registered with that venue); ``check_in_code`` is what its QR poster carries. ``hours`` is JSON:
    seven ``[opens, closes]`` minute pairs (Monday first) or null; ``holidays`` a JSON list of days;
    ``priority_bands`` the JSON list of bands served before everyone else, first first.
    ``event_seq`` numbers the hall's live events: taken under the row lock, so they commit in order."""

    id = UUID(primary_key=True)
    name = Varchar(length=128)
    kind = Varchar(length=32)
    venue = Varchar(length=128)
    check_in_code = Varchar(length=32)
    hours = Text()
    holidays = Text()
    priority_bands = Text()
    grace_seconds = Integer()
    max_recalls = Integer()
    check_in_before_minutes = Integer()
    check_in_after_minutes = Integer()
    event_seq = BigInt(default=0)
    created_at = Timestamptz()


class QueueService(Table, tablename="queue_service"):
    """A service of a hall with its number prefix (``A`` → A001), its slot template (length and
    places per slot), and what the wait estimate learns: the moving average of service times and the
    last actual wait. A restaurant's services are party-size bands: ``party_min`` to ``party_max``."""

    id = UUID(primary_key=True)
    hall_id = UUID(index=True)
    name = Varchar(length=128)
    prefix = Varchar(length=2)
    slot_minutes = Integer()
    slot_capacity = Integer()
    service_seconds = Real()
    last_wait_seconds = Real(null=True, default=None)
    party_min = Integer(null=True, default=None)
    party_max = Integer(null=True, default=None)
    created_at = Timestamptz()


class QueueCounter(Table, tablename="queue_counter"):
    """A counter (window) of a hall; ``services`` is the JSON list of service ids it serves."""

    id = UUID(primary_key=True)
    hall_id = UUID(index=True)
    name = Varchar(length=64)
    services = Text()
    last_call_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz()


class QueueHallStaff(Table, tablename="queue_hall_staff"):
    """Counter staff assigned to a hall: they work its counters and no other hall's."""

    hall_id = UUID()
    staff_id = UUID()
    created_at = Timestamptz()


class QueueSlot(Table, tablename="queue_slot"):
    """A bookable slot, materialised ahead from the service's template. ``booked <= capacity`` is a
    CHECK constraint: a conditional UPDATE takes a place, the database refuses the rest."""

    id = UUID(primary_key=True)
    service_id = UUID()
    hall_id = UUID()
    day = Varchar(length=10)
    starts_at = Timestamptz()
    ends_at = Timestamptz()
    capacity = Integer()
    booked = Integer(default=0)


class QueueBooking(Table, tablename="queue_booking"):
    """A citizen's booking: ``active`` → ``checked_in`` | ``cancelled`` | ``no_show``. One active or
    checked-in booking per citizen, service and day (a partial unique index)."""

    id = UUID(primary_key=True)
    citizen_id = UUID()
    slot_id = UUID()
    service_id = UUID()
    hall_id = UUID()
    day = Varchar(length=10)
    starts_at = Timestamptz()
    ends_at = Timestamptz()
    status = Varchar(length=16)
    created_at = Timestamptz()
    changed_at = Timestamptz()


class QueueDayCounter(Table, tablename="queue_day_counter"):
    """The last number given per service and day (``band`` -1) and the last rank per band; unique,
    each bumped by one upsert."""

    service_id = UUID()
    day = Varchar(length=10)
    band = Integer()
    last_number = Integer()


class QueueTicket(Table, tablename="queue_ticket"):
    """A number taken: ``waiting`` → ``called`` → ``done`` | ``skipped`` | ``transferred``, or
    ``cancelled`` while waiting. Order: ``band`` (0 first), then ``rank`` (1, 2, ... per service, day
    and band, from the day counter: a watcher derives its position from the head and the holes).
    ``citizen_id`` is null for a paper ticket from a kiosk."""

    id = UUID(primary_key=True)
    hall_id = UUID()
    service_id = UUID()
    day = Varchar(length=10)
    number = Integer()
    label = Varchar(length=8)
    band = Integer()
    band_name = Varchar(length=16)
    rank = Integer()
    citizen_id = UUID(null=True, default=None)
    booking_id = UUID(null=True, default=None)
    status = Varchar(length=16)
    counter_id = UUID(null=True, default=None)
    recalls = Integer(default=0)
    taken_at = Timestamptz()
    called_at = Timestamptz(null=True, default=None)
    finished_at = Timestamptz(null=True, default=None)
    transferred_from = UUID(null=True, default=None)


class QueueEvent(Table, tablename="queue_event"):
    """What a hall's board and watchers are told, numbered per hall (``seq``): replayed after a
    reconnect (``Last-Event-ID``), polled when Redis is down. ``data`` is the JSON event."""

    hall_id = UUID()
    seq = BigInt()
    data = Text()
    at = Timestamptz()
