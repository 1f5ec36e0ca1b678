from piccolo.columns import UUID, BigInt, BigSerial, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table


class WarningPublisher(Table, tablename="warning_publisher"):
    """A staff account (role ``publisher``) bound by an operator to the organisation it publishes
    for: ``meteorological`` (the meteorological bureau) or ``water`` (the water authority). Unique per
    staff account (see the raw migration)."""

    id = UUID(primary_key=True)
    staff_id = UUID()
    organisation = Varchar(length=16)
    created_at = Timestamptz()


class WarningWarning(Table, tablename="warning"):
    """One published warning. ``districts`` is a JSON list of district names; ``state`` is ``active``
    or ``cancelled``; ``version`` counts updates."""

    id = UUID(primary_key=True)
    publisher_id = UUID()
    organisation = Varchar(length=16)
    kind = Varchar(length=8)
    level = Varchar(length=8)
    districts = Text()
    title = Varchar(length=64)
    text = Text()
    valid_from = Timestamptz()
    valid_until = Timestamptz()
    state = Varchar(length=16)
    version = Integer()
    created_at = Timestamptz()
    updated_at = Timestamptz()


class WarningSubscription(Table, tablename="warning_subscription"):
    """A citizen's district for warnings; unique per (citizen, district) (see the raw migration),
    whose index is also the fan-out's walk in citizen order."""

    id = UUID(primary_key=True)
    citizen_id = UUID()
    district = Varchar(length=8)
    created_at = Timestamptz()


class WarningFanout(Table, tablename="warning_fanout"):
    """The fan-out of one orange or red warning: ``after_citizen`` is the last citizen planned (null: none
    yet); it moves in the same transaction as the deliveries it planned, so a planner stopped at any
    point resumes where the last committed batch ended. ``state``: ``planning`` → ``sending`` →
    ``done``, or ``cancelled``."""

    warning_id = UUID(primary_key=True)
    state = Varchar(length=16)
    after_citizen = UUID(null=True, default=None)
    # Bumped when an update widens the area or raises the level: planning starts over (the unique
    # deliveries keep those told already from being told again) and a batch planned for the old
    # generation does not commit.
    generation = Integer()
    planned = BigInt()
    started_at = Timestamptz()
    planned_at = Timestamptz(null=True, default=None)
    finished_at = Timestamptz(null=True, default=None)


class WarningDelivery(Table, tablename="warning_delivery"):
    """One warning to one citizen on one channel, unique per (warning, citizen, channel) (see the raw
    migration): the database, not the worker, decides that a citizen is told once.

    ``state``: ``planned`` → ``sending`` (claimed until ``lease_until``) → ``sent`` | ``failed`` |
    ``skipped`` (no phone, cancelled); ``opted_out`` when the citizen turned the channel off.
    ``due_at`` is when it may go (an orange warning waits out the citizen's quiet hours)."""

    id = BigSerial(primary_key=True)
    warning_id = UUID()
    citizen_id = UUID()
    channel = Varchar(length=8)
    state = Varchar(length=16)
    reason = Varchar(length=128)
    due_at = Timestamptz()
    lease_until = Timestamptz(null=True, default=None)
    tries = Integer()
    updated_at = Timestamptz()
