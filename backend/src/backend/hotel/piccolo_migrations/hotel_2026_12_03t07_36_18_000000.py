"""What hotel bookings rely on and piccolo's auto migrations can't say (raw steps run before table
changes within one migration, hence a separate one).

A night never sells more rooms than it has (a CHECK on PostgreSQL, a trigger on SQLite, which can't
add a constraint to a table); one inventory row per room type and night; one hotel per PMS code and
one room type per code within it; one booking per order.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.engine.sqlite import SQLiteEngine

ID = "2026-12-03T07:36:18:000000"
VERSION = "1.38.0"
DESCRIPTION = "hotel: night inventory check, unique codes, nights and orders, lookup indexes"

_STATEMENTS = (
    "CREATE UNIQUE INDEX hotel_hotel_code ON hotel_hotel (code)",
    "CREATE UNIQUE INDEX hotel_room_type_code ON hotel_room_type (hotel_id, code)",
    "CREATE UNIQUE INDEX hotel_night_once ON hotel_night (room_type_id, night)",
    "CREATE UNIQUE INDEX hotel_booking_order ON hotel_booking (order_id) WHERE order_id IS NOT NULL",
    "CREATE INDEX hotel_booking_citizen ON hotel_booking (citizen_id, created_at)",
    "CREATE INDEX hotel_booking_due ON hotel_booking (status, expires_at)",
)
_POSTGRES = (
    "ALTER TABLE hotel_night ADD CONSTRAINT hotel_night_capacity CHECK (booked >= 0 AND booked <= capacity)",
)
_SQLITE = (
    "CREATE TRIGGER hotel_night_capacity BEFORE UPDATE OF booked ON hotel_night "
    "WHEN NEW.booked < 0 OR NEW.booked > NEW.capacity "
    "BEGIN SELECT RAISE(ABORT, 'hotel_night_capacity'); END",
)


async def _constraints() -> None:
    engine = engine_finder()
    assert engine is not None
    extra = _SQLITE if isinstance(engine, SQLiteEngine) else _POSTGRES
    for statement in (*_STATEMENTS, *extra):
        await engine.run_ddl(statement)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="hotel", description=DESCRIPTION)
    manager.add_raw(_constraints)
    return manager
