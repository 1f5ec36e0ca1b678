"""One sealed root per chain and day: workers sealing at once insert one (a separate migration: raw
steps run before table changes within one)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-03T07:50:11:000000"
VERSION = "1.38.0"
DESCRIPTION = "evidence: unique (chain, day); roots by sequence"


async def _indexes() -> None:
    engine = engine_finder()
    assert engine is not None
    await engine.run_ddl("CREATE UNIQUE INDEX evidence_root_day ON evidence_root (chain, day)")
    await engine.run_ddl("CREATE INDEX evidence_root_seq ON evidence_root (chain, last_seq)")


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="evidence", description=DESCRIPTION)
    manager.add_raw(_indexes)
    return manager
