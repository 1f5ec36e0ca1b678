"""The audit table's integrity guards, which piccolo's auto migrations can't express.

Raw steps run before a migration's table changes, so these live in their own migration after the
one creating the table.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-24T05:20:07:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique (chain, seq); PostgreSQL refuses UPDATE and DELETE on audit_entry"

_APPEND_ONLY = (
    """
    CREATE OR REPLACE FUNCTION audit_entry_append_only() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'audit_entry is append-only';
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER audit_entry_append_only
        BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_entry
        FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_append_only()
    """,
)


async def _guards() -> None:
    engine = engine_finder()
    assert engine is not None
    await engine.run_ddl("CREATE UNIQUE INDEX audit_entry_chain_seq ON audit_entry (chain, seq)")
    if engine.engine_type == "postgres":
        for statement in _APPEND_ONLY:
            await engine.run_ddl(statement)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="audit", description=DESCRIPTION)
    manager.add_raw(_guards)
    return manager
