"""The warning tables' constraints and indexes, which piccolo's auto migrations can't express.

Raw steps run before a migration's table changes, so these live in their own migration after the
one creating the tables.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-03T13:15:21:000000"
VERSION = "1.38.0"
DESCRIPTION = "one delivery per (warning, citizen, channel); subscriptions walked in citizen order"


async def _indexes() -> None:
    engine = engine_finder()
    assert engine is not None
    await engine.run_ddl("CREATE UNIQUE INDEX warning_publisher_staff ON warning_publisher (staff_id)")
    # Also the planner's walk: subscriptions in citizen order from the cursor on.
    await engine.run_ddl(
        "CREATE UNIQUE INDEX warning_subscription_citizen ON warning_subscription (citizen_id, district)"
    )
    await engine.run_ddl(
        "CREATE UNIQUE INDEX warning_delivery_once ON warning_delivery (warning_id, citizen_id, channel)"
    )
    # The senders' claim: due deliveries of a channel; only unfinished rows are indexed.
    await engine.run_ddl(
        "CREATE INDEX warning_delivery_due ON warning_delivery (channel, due_at) "
        "WHERE state IN ('planned', 'sending')"
    )
    await engine.run_ddl("CREATE INDEX warning_state ON warning (state, valid_until)")


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="warning", description=DESCRIPTION)
    manager.add_raw(_indexes)
    return manager
