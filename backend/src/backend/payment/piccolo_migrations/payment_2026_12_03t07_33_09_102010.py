"""The owners' notices moved to the shared outbox (topic ``payment.<owner>``): their own table goes.
No deployment ever held one (the table and the outbox landed together, before the first release)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-03T07:33:09:102010"
VERSION = "1.38.0"
DESCRIPTION = "payment: owners' notices moved to the shared outbox"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="payment", description=DESCRIPTION)
    manager.drop_table(class_name="PaymentOwnerNotice", tablename="payment_owner_notice", schema=None)
    return manager
