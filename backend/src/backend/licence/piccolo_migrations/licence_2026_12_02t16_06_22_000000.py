"""One live card-pack pointer per licence and platform (a second add is refused by the index)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-02T16:06:22:000000"
VERSION = "1.38.0"
DESCRIPTION = "licence: one live card-pack pointer per licence and platform"


async def _indexes() -> None:
    engine = engine_finder()
    assert engine is not None
    await engine.run_ddl(
        "CREATE UNIQUE INDEX licence_card_live ON licence_card (licence_id, platform) WHERE withdrawn_at IS NULL"
    )


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="licence", description=DESCRIPTION)
    manager.add_raw(_indexes)
    return manager
