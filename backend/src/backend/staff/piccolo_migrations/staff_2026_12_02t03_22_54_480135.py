from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-02T03:22:54:480135"
VERSION = "1.38.0"
DESCRIPTION = "staff login failures are counted by backend.auth.throttle in the store"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="staff", description=DESCRIPTION
    )

    manager.drop_column(
        table_class_name="StaffAccount",
        tablename="staff_account",
        column_name="failed_logins",
        db_column_name="failed_logins",
        schema=None,
    )

    manager.drop_column(
        table_class_name="StaffAccount",
        tablename="staff_account",
        column_name="locked_until",
        db_column_name="locked_until",
        schema=None,
    )

    return manager
