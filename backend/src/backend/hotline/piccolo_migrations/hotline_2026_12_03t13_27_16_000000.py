"""What 12345 tickets rely on and piccolo's auto migrations can't say (raw steps run before table
changes within one migration, hence a separate one): one tracking number each, one reply per ticket
and sequence number (a poll that runs twice stores a reply once), and the lookups."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-03T13:27:16:000000"
VERSION = "1.38.0"
DESCRIPTION = "hotline: unique tracking numbers and replies, lookup indexes"

_STATEMENTS = (
    "CREATE UNIQUE INDEX hotline_ticket_tracking ON hotline_ticket (tracking_no)",
    "CREATE INDEX hotline_ticket_citizen ON hotline_ticket (citizen_id, created_at, id)",
    "CREATE INDEX hotline_ticket_open ON hotline_ticket (status, updated_at)",
    "CREATE UNIQUE INDEX hotline_reply_once ON hotline_reply (ticket_id, seq)",
    "CREATE INDEX hotline_photo_ticket ON hotline_photo (ticket_id)",
)


async def _indexes() -> None:
    engine = engine_finder()
    assert engine is not None
    for statement in _STATEMENTS:
        await engine.run_ddl(statement)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="hotline", description=DESCRIPTION)
    manager.add_raw(_indexes)
    return manager
