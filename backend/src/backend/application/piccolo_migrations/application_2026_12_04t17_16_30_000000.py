"""An index for the staff review queue: a status's applications, the longest waiting first
(``ApplicationRepository.in_status``: ``WHERE status = ? [AND (updated_at, id) > cursor]
ORDER BY updated_at, id``). Without it the queue scanned and sorted the whole table; with it a page is
a range read of the index in order (PostgreSQL and SQLite alike)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-04T17:16:30:000000"
VERSION = "1.38.0"
DESCRIPTION = "application: index (status, updated_at, id) for the review queue"


async def _index() -> None:
    engine = engine_finder()
    assert engine is not None
    await engine.run_ddl(
        "CREATE INDEX application_status_waiting ON application (status, updated_at, id)"
    )


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="application", description=DESCRIPTION)
    manager.add_raw(_index)
    return manager
