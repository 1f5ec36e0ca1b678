"""One binding per (reviewer, department): binding twice is a conflict, not a second row."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-04T18:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique (staff_id, department) of application_reviewer"


async def _unique() -> None:
    engine = engine_finder()
    assert engine is not None
    await engine.run_ddl(
        "CREATE UNIQUE INDEX application_reviewer_once ON application_reviewer (staff_id, department)"
    )


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="application", description=DESCRIPTION)
    manager.add_raw(_unique)
    return manager
