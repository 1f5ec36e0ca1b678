"""What credit objections rely on and piccolo's auto migrations can't say (raw steps run before table
changes within one migration, hence a separate one): one objection per citizen and record (the
platform takes one per record), the citizen's list, and the poll's line."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-03T13:16:50:000000"
VERSION = "1.38.0"
DESCRIPTION = "credit: one objection per citizen and record, lookup indexes"

_STATEMENTS = (
    "CREATE UNIQUE INDEX credit_objection_once ON credit_objection (citizen_id, record_id)",
    "CREATE INDEX credit_objection_citizen ON credit_objection (citizen_id, created_at)",
    "CREATE INDEX credit_objection_open ON credit_objection (status, updated_at)",
)


async def _indexes() -> None:
    engine = engine_finder()
    assert engine is not None
    for statement in _STATEMENTS:
        await engine.run_ddl(statement)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="credit", description=DESCRIPTION)
    manager.add_raw(_indexes)
    return manager
