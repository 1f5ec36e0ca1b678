"""The application tables' guards, which piccolo's auto migrations can't express.

Raw steps run before a migration's table changes, so these live in their own migration after the
one creating the tables.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-02T16:02:22:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique case id, event seq and external id; PostgreSQL refuses UPDATE and DELETE of events"

_APPEND_ONLY = (
    """
    CREATE OR REPLACE FUNCTION application_event_append_only() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'application_event is append-only';
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER application_event_append_only
        BEFORE UPDATE OR DELETE OR TRUNCATE ON application_event
        FOR EACH STATEMENT EXECUTE FUNCTION application_event_append_only()
    """,
)


async def _guards() -> None:
    engine = engine_finder()
    assert engine is not None
    await engine.run_ddl("CREATE UNIQUE INDEX application_case_id ON application (case_id) WHERE case_id IS NOT NULL")
    await engine.run_ddl("CREATE UNIQUE INDEX application_event_seq ON application_event (application_id, seq)")
    await engine.run_ddl(
        "CREATE UNIQUE INDEX application_event_external ON application_event (external_id) "
        "WHERE external_id IS NOT NULL"
    )
    if engine.engine_type == "postgres":
        for statement in _APPEND_ONLY:
            await engine.run_ddl(statement)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="application", description=DESCRIPTION)
    manager.add_raw(_guards)
    return manager
