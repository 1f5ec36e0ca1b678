"""The payment tables' uniqueness and lookup indexes (raw steps run before table changes within one
migration, hence a separate one).

One fact per (order, kind, reference) in the ledger: a replayed notification inserts nothing. One
order per platform transaction. One live order (pending or paid) per payable: a payable is never
charged twice. Lookups for the sweep and the day's reconciliation.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-02T15:55:09:000000"
VERSION = "1.38.0"
DESCRIPTION = "payment: ledger facts once, one order per transaction and per live payable, sweep indexes"

_STATEMENTS = (
    "CREATE UNIQUE INDEX payment_event_once ON payment_event (order_id, kind, reference)",
    "CREATE UNIQUE INDEX payment_order_transaction ON payment_order (platform, transaction_id) "
    "WHERE transaction_id IS NOT NULL",
    "CREATE UNIQUE INDEX payment_order_live_payable ON payment_order (owner, payable) "
    "WHERE status IN ('pending', 'paid', 'partially_refunded')",
    "CREATE INDEX payment_order_pending ON payment_order (status, expires_at)",
    "CREATE INDEX payment_order_paid_at ON payment_order (platform, paid_at)",
    "CREATE INDEX payment_order_citizen ON payment_order (citizen_id, created_at)",
    "CREATE INDEX payment_refund_open ON payment_refund (status, created_at)",
    "CREATE INDEX payment_owner_notice_due ON payment_owner_notice (due_at) WHERE delivered_at IS NULL",
)


async def _indexes() -> None:
    engine = engine_finder()
    assert engine is not None
    for statement in _STATEMENTS:
        await engine.run_ddl(statement)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="payment", description=DESCRIPTION)
    manager.add_raw(_indexes)
    return manager
