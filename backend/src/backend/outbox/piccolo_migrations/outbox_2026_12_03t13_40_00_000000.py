"""The trace a job was enqueued in, so its delivery joins that trace (``backend.observability.tracing``)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-03T13:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "outbox_job.trace: the W3C traceparent of the span that enqueued the job"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="outbox", description=DESCRIPTION)
    manager.add_column(
        table_class_name="OutboxJob",
        tablename="outbox_job",
        column_name="trace",
        db_column_name="trace",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 55,
            "default": None,
            "null": True,
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
