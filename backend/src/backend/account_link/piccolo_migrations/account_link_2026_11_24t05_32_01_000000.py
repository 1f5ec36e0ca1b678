"""A platform identity belongs to one citizen; a citizen has one link per platform.

Raw steps run before a migration's table changes, so these live in their own migration after the
one creating the table.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-24T05:32:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique (platform, platform_user_id) and (citizen_id, platform) on platform_link"


async def _guards() -> None:
    engine = engine_finder()
    assert engine is not None
    await engine.run_ddl(
        "CREATE UNIQUE INDEX platform_link_identity ON platform_link (platform, platform_user_id)"
    )
    await engine.run_ddl("CREATE UNIQUE INDEX platform_link_citizen ON platform_link (citizen_id, platform)")


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="account_link", description=DESCRIPTION)
    manager.add_raw(_guards)
    return manager
