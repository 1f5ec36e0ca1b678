"""One material per file per slot: the same file given twice to a slot is the one material."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-03T07:54:32:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique (application_id, slot, sha256) of application_material"


async def _unique() -> None:
    engine = engine_finder()
    assert engine is not None
    await engine.run_ddl(
        "CREATE UNIQUE INDEX application_material_once ON application_material (application_id, slot, sha256)"
    )


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="application", description=DESCRIPTION)
    manager.add_raw(_unique)
    return manager
