"""The notification tables' indexes and constraints, which piccolo's auto migrations can't express.

Raw steps run before a migration's table changes, so these live in their own migration after the
one creating the tables.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-03T07:54:57:000000"
VERSION = "1.38.0"
DESCRIPTION = "one message per cause; one grant row per (citizen, platform, template); the inbox by time"


async def _indexes() -> None:
    engine = engine_finder()
    assert engine is not None
    await engine.run_ddl("CREATE UNIQUE INDEX notification_message_key ON notification_message (key)")
    await engine.run_ddl(
        "CREATE INDEX notification_message_inbox ON notification_message (citizen_id, created_at, id)"
    )
    await engine.run_ddl(
        "CREATE UNIQUE INDEX notification_grant_citizen ON notification_grant (citizen_id, platform, template)"
    )


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="notification", description=DESCRIPTION)
    manager.add_raw(_indexes)
    return manager
