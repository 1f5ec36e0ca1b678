from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import UUID
from piccolo.columns.defaults.uuid import UUID4
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-02T07:12:31:127522"
VERSION = "1.38.0"
DESCRIPTION = "reclaim follow-ups: their own id, and the frozen account in frozen_citizen"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="citizen", description=DESCRIPTION
    )

    manager.add_column(
        table_class_name="ReclaimFollowUp",
        tablename="citizen_reclaim_follow_up",
        column_name="frozen_citizen",
        db_column_name="frozen_citizen",
        column_class_name="UUID",
        column_class=UUID,
        params={
            "default": UUID4(),
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    return manager
