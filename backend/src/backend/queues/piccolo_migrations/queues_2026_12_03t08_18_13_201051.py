from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-03T08:18:13:201051"
VERSION = "1.38.0"
DESCRIPTION = ""


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="queues", description=DESCRIPTION
    )

    manager.drop_table(
        class_name="QueueNotice", tablename="queue_notice", schema=None
    )

    return manager
