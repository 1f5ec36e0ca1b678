"""The outbox's indexes, which piccolo's auto migrations can't express.

Raw steps run before a migration's table changes, so these live in their own migration after the
one creating the table.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-02T15:44:14:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique (topic, key): one job per idempotency key; the due jobs, by time"


async def _indexes() -> None:
    engine = engine_finder()
    assert engine is not None
    await engine.run_ddl("CREATE UNIQUE INDEX outbox_job_topic_key ON outbox_job (topic, key)")
    # Partial: finished and dead jobs pile up, and the claim never looks at them.
    await engine.run_ddl(
        "CREATE INDEX outbox_job_due ON outbox_job (due_at) WHERE state IN ('pending', 'running')"
    )
    await engine.run_ddl("CREATE INDEX outbox_job_state_created ON outbox_job (state, created_at)")


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="outbox", description=DESCRIPTION)
    manager.add_raw(_indexes)
    return manager
