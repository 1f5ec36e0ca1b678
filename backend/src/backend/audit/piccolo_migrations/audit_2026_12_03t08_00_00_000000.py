"""An index for reading one subject's entries of a chain (an application's evidence, its history)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-03T08:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "audit: index (chain, subject, seq)"


async def _index() -> None:
    engine = engine_finder()
    assert engine is not None
    await engine.run_ddl("CREATE INDEX audit_entry_chain_subject ON audit_entry (chain, subject, seq)")


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="audit", description=DESCRIPTION)
    manager.add_raw(_index)
    return manager
