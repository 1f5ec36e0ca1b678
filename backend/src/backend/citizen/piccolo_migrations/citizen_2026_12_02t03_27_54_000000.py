"""One *active* citizen per ID number and per phone: the unique blind indexes become partial.

A reclaimed identity leaves the account that held it frozen, with its row kept; the person's new
account takes the same ID number (and the frozen account's phone may register again), so uniqueness
holds among ``status = 'active'`` rows only. Partial indexes: PostgreSQL, and SQLite since 3.8.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-02T03:27:54:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique citizen (id_number_index), (phone_index) where status = 'active'"


async def _guards() -> None:
    engine = engine_finder()
    assert engine is not None
    await engine.run_ddl("DROP INDEX citizen_id_number_index")
    await engine.run_ddl("DROP INDEX citizen_phone_index")
    await engine.run_ddl(
        "CREATE UNIQUE INDEX citizen_active_id_number_index ON citizen (id_number_index) "
        "WHERE status = 'active'"
    )
    await engine.run_ddl(
        "CREATE UNIQUE INDEX citizen_active_phone_index ON citizen (phone_index) WHERE status = 'active'"
    )


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="citizen", description=DESCRIPTION)
    manager.add_raw(_guards)
    return manager
