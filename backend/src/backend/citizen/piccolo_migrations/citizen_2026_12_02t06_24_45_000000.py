"""One citizen per face verification: ``citizen.face_verification`` becomes unique.

The database, not the store, decides which registration or reclaim a verification proves: of those
racing with one face ticket the one that commits wins, and a loser keeps its ticket. A separate
migration because SQLite can't add a UNIQUE column; NULLs (the operators' match) never collide.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-02T06:24:45:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique citizen (face_verification)"


async def _unique() -> None:
    engine = engine_finder()
    assert engine is not None
    await engine.run_ddl("CREATE UNIQUE INDEX citizen_face_verification ON citizen (face_verification)")


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="citizen", description=DESCRIPTION)
    manager.add_raw(_unique)
    return manager
