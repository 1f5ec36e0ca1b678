"""What the queues rely on and piccolo's auto migrations can't say (raw steps run before table changes
within one migration, hence a separate one).

A slot never holds more than its capacity (a CHECK on PostgreSQL, a trigger on SQLite, which can't add
a constraint to a table); one active booking per citizen, service and day; one number per service and
day; one live ticket per citizen and service a day, and per booking; one event per hall and seq.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.engine.sqlite import SQLiteEngine

ID = "2026-12-02T15:30:23:000000"
VERSION = "1.38.0"
DESCRIPTION = "queues: capacity check, unique bookings/numbers/tickets/events, lookup indexes"

_STATEMENTS = (
    "CREATE UNIQUE INDEX queue_hall_venue ON queue_hall (venue)",
    "CREATE UNIQUE INDEX queue_service_prefix ON queue_service (hall_id, prefix)",
    "CREATE UNIQUE INDEX queue_hall_staff_once ON queue_hall_staff (hall_id, staff_id)",
    "CREATE UNIQUE INDEX queue_slot_start ON queue_slot (service_id, starts_at)",
    "CREATE INDEX queue_slot_day ON queue_slot (service_id, day)",
    "CREATE UNIQUE INDEX queue_booking_one_a_day ON queue_booking (citizen_id, service_id, day) "
    "WHERE status IN ('active', 'checked_in')",
    "CREATE INDEX queue_booking_citizen ON queue_booking (citizen_id, created_at)",
    "CREATE UNIQUE INDEX queue_day_counter_once ON queue_day_counter (service_id, day, band)",
    "CREATE UNIQUE INDEX queue_ticket_number ON queue_ticket (service_id, day, number)",
    "CREATE INDEX queue_ticket_line ON queue_ticket (service_id, day, status, band, rank)",
    "CREATE INDEX queue_ticket_counter ON queue_ticket (counter_id, status)",
    "CREATE UNIQUE INDEX queue_ticket_booking ON queue_ticket (booking_id) WHERE booking_id IS NOT NULL",
    "CREATE UNIQUE INDEX queue_ticket_live ON queue_ticket (citizen_id, service_id, day) "
    "WHERE status IN ('waiting', 'called') AND citizen_id IS NOT NULL",
    "CREATE INDEX queue_ticket_citizen ON queue_ticket (citizen_id, status)",
    "CREATE UNIQUE INDEX queue_event_seq ON queue_event (hall_id, seq)",
    "CREATE UNIQUE INDEX queue_notice_key ON queue_notice (key)",
    "CREATE INDEX queue_notice_due ON queue_notice (status, next_at)",
)

_POSTGRES = (
    "ALTER TABLE queue_slot ADD CONSTRAINT queue_slot_capacity CHECK (booked >= 0 AND booked <= capacity)",
)
_SQLITE = (
    "CREATE TRIGGER queue_slot_capacity BEFORE UPDATE OF booked ON queue_slot "
    "WHEN NEW.booked < 0 OR NEW.booked > NEW.capacity "
    "BEGIN SELECT RAISE(ABORT, 'queue_slot_capacity'); END",
)


async def _constraints() -> None:
    engine = engine_finder()
    assert engine is not None
    extra = _SQLITE if isinstance(engine, SQLiteEngine) else _POSTGRES
    for statement in (*_STATEMENTS, *extra):
        await engine.run_ddl(statement)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="queues", description=DESCRIPTION)
    manager.add_raw(_constraints)
    return manager
