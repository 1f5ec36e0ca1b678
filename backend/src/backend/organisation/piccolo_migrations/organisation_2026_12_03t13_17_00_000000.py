"""What organisations rely on and piccolo's auto migrations can't say: one organisation per credit
code, and at most one unrevoked grant per person and organisation (both PostgreSQL and SQLite take
partial unique indexes)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-03T13:17:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "organisation: unique credit code, one unrevoked grant per person and organisation"

_STATEMENTS = (
    "CREATE UNIQUE INDEX organisation_credit_code ON organisation (credit_code)",
    "CREATE UNIQUE INDEX organisation_grant_unrevoked ON organisation_grant (organisation_id, citizen_id) "
    "WHERE revoked_at IS NULL",
)


async def _constraints() -> None:
    engine = engine_finder()
    assert engine is not None
    for statement in _STATEMENTS:
        await engine.run_ddl(statement)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="organisation", description=DESCRIPTION)
    manager.add_raw(_constraints)
    return manager
