"""Staff usernames are unique (stored lower-case); piccolo's auto migration can't name the index."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-24T05:31:59:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique staff_account (username)"


async def _guards() -> None:
    engine = engine_finder()
    assert engine is not None
    await engine.run_ddl("CREATE UNIQUE INDEX staff_account_username ON staff_account (username)")


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="staff", description=DESCRIPTION)
    manager.add_raw(_guards)
    return manager
