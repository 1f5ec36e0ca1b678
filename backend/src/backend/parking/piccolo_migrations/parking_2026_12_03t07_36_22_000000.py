"""What parking relies on and piccolo's auto migrations can't say (raw steps run before table changes
within one migration, hence a separate one).

An hour never holds more reservations than the lot's reservable bays (a CHECK on PostgreSQL, a
trigger on SQLite); one bucket per lot and hour; one car in a lot per plate at a time; a gate event
taken once; a plate linked once per citizen; one payment per order.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.engine.sqlite import SQLiteEngine

ID = "2026-12-03T07:36:22:000000"
VERSION = "1.38.0"
DESCRIPTION = "parking: bucket capacity check, unique codes, stays, events, plates, lookup indexes"

_STATEMENTS = (
    "CREATE UNIQUE INDEX parking_lot_code ON parking_lot (code)",
    "CREATE UNIQUE INDEX parking_bay_code ON parking_bay (lot_id, code)",
    "CREATE UNIQUE INDEX parking_bucket_once ON parking_bucket (lot_id, hour)",
    "CREATE UNIQUE INDEX parking_plate_once ON parking_plate (citizen_id, plate_index)",
    "CREATE INDEX parking_plate_index ON parking_plate (plate_index)",
    "CREATE INDEX parking_reservation_citizen ON parking_reservation (citizen_id, created_at)",
    "CREATE INDEX parking_reservation_plate ON parking_reservation (lot_id, plate_index, status)",
    "CREATE UNIQUE INDEX parking_stay_inside ON parking_stay (lot_id, plate_index) "
    "WHERE status IN ('parked', 'exiting')",
    "CREATE INDEX parking_stay_plate ON parking_stay (plate_index, entered_at)",
    "CREATE INDEX parking_stay_retention ON parking_stay (status, exited_at) WHERE anonymised_at IS NULL",
    "CREATE UNIQUE INDEX parking_payment_order ON parking_payment (order_id)",
    "CREATE INDEX parking_payment_stay ON parking_payment (stay_id)",
    "CREATE UNIQUE INDEX parking_gate_event_once ON parking_gate_event (event_id)",
    "CREATE UNIQUE INDEX parking_feed_name ON parking_feed (name)",
)
_POSTGRES = (
    "ALTER TABLE parking_bucket ADD CONSTRAINT parking_bucket_capacity "
    "CHECK (reserved >= 0 AND reserved <= capacity)",
)
_SQLITE = (
    "CREATE TRIGGER parking_bucket_capacity BEFORE UPDATE OF reserved ON parking_bucket "
    "WHEN NEW.reserved < 0 OR NEW.reserved > NEW.capacity "
    "BEGIN SELECT RAISE(ABORT, 'parking_bucket_capacity'); END",
)


async def _constraints() -> None:
    engine = engine_finder()
    assert engine is not None
    extra = _SQLITE if isinstance(engine, SQLiteEngine) else _POSTGRES
    for statement in (*_STATEMENTS, *extra):
        await engine.run_ddl(statement)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="parking", description=DESCRIPTION)
    manager.add_raw(_constraints)
    return manager
