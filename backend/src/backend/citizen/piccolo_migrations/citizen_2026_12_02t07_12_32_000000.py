"""A reclaim follow-up names its frozen account in ``frozen_citizen``; ``id`` becomes the row's own.

Until now ``id`` was the frozen account's, so a second reclaim of one account (unfrozen on appeal, then
reclaimed again) could not write its follow-up. The rows already written keep their ``id`` (and with it
the SMS notice's idempotency key, ``reclaim-<id>``) and get it copied into the new column. A separate
migration because piccolo runs raw steps before the table changes of its own migration.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-02T07:12:32:000000"
VERSION = "1.38.0"
DESCRIPTION = "reclaim follow-ups written before: frozen_citizen = id"


async def _backfill() -> None:
    engine = engine_finder()
    assert engine is not None
    await engine.run_ddl("UPDATE citizen_reclaim_follow_up SET frozen_citizen = id")


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="citizen", description=DESCRIPTION)
    manager.add_raw(_backfill)
    return manager
