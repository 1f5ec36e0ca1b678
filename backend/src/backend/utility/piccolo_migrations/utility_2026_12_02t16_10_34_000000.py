"""One link per citizen, utility and account number (raw steps run before table changes within one
migration, hence a separate one)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-02T16:10:34:000000"
VERSION = "1.38.0"
DESCRIPTION = "utility: one link per citizen and account, payments by citizen"

_STATEMENTS = (
    "CREATE UNIQUE INDEX utility_account_once ON utility_account (citizen_id, kind, account_no)",
    "CREATE INDEX utility_payment_citizen ON utility_payment (citizen_id, created_at)",
)


async def _indexes() -> None:
    engine = engine_finder()
    assert engine is not None
    for statement in _STATEMENTS:
        await engine.run_ddl(statement)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="utility", description=DESCRIPTION)
    manager.add_raw(_indexes)
    return manager
