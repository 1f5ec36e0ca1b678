"""An organisation's order names the person who paid it at the cashier (``payer_citizen_id``), so the
platform id in ``payer`` is blanked when that person's account closes. Null on every earlier order:
each was paid by its owner."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import UUID
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-03T17:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "payment: the person who paid an organisation's order"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="payment", description=DESCRIPTION)
    manager.add_column(
        table_class_name="PaymentOrder",
        tablename="payment_order",
        column_name="payer_citizen_id",
        db_column_name="payer_citizen_id",
        column_class_name="UUID",
        column_class=UUID,
        params={
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
