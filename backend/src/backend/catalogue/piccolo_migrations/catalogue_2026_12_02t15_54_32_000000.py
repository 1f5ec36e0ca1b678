"""The catalogue's guards, which piccolo's auto migrations can't express.

Raw steps run before a migration's table changes, so these live in their own migration after the
one creating the table.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-02T15:54:32:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique (code, version); one draft per item; PostgreSQL refuses changes to a published version"

_IMMUTABLE = (
    """
    CREATE OR REPLACE FUNCTION service_item_version_immutable() RETURNS trigger AS $$
    BEGIN
        IF OLD.status = 'published' THEN
            RAISE EXCEPTION 'service_item_version %/% is published and immutable', OLD.code, OLD.version;
        END IF;
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER service_item_version_immutable
        BEFORE UPDATE OR DELETE ON service_item_version
        FOR EACH ROW EXECUTE FUNCTION service_item_version_immutable()
    """,
)


async def _guards() -> None:
    engine = engine_finder()
    assert engine is not None
    await engine.run_ddl(
        "CREATE UNIQUE INDEX service_item_version_code_version ON service_item_version (code, version)"
    )
    await engine.run_ddl(
        "CREATE UNIQUE INDEX service_item_version_one_draft ON service_item_version (code) WHERE status = 'draft'"
    )
    if engine.engine_type == "postgres":
        for statement in _IMMUTABLE:
            await engine.run_ddl(statement)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="catalogue", description=DESCRIPTION)
    manager.add_raw(_guards)
    return manager
