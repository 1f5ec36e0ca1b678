"""One citizen per ID number and per phone: unique blind indexes."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-24T05:35:12:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique citizen (id_number_index), (phone_index)"


async def _guards() -> None:
    engine = engine_finder()
    assert engine is not None
    await engine.run_ddl("CREATE UNIQUE INDEX citizen_id_number_index ON citizen (id_number_index)")
    await engine.run_ddl("CREATE UNIQUE INDEX citizen_phone_index ON citizen (phone_index)")


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="citizen", description=DESCRIPTION)
    manager.add_raw(_guards)
    return manager
