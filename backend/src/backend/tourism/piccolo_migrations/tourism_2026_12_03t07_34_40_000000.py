"""What tourism relies on and piccolo's auto migrations can't say (raw steps run before table changes
within one migration, hence a separate one).

A stock row never holds or sells more than its capacity (a CHECK on PostgreSQL, triggers on SQLite,
which can't add a constraint to a table); one live ticket per ID number, spot and day (the per-ID
limit, decided by the database); one slot per spot and start; one stock row per slot and shard; one
visitor per citizen and ID number; a spot's slug and a ticket's code id are unique.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.engine.sqlite import SQLiteEngine

ID = "2026-12-03T07:34:40:000000"
VERSION = "1.38.0"
DESCRIPTION = "tourism: capacity check, per-ID-per-day limit, unique slots/stock/visitors, lookups"

_STATEMENTS = (
    "CREATE UNIQUE INDEX tourism_spot_slug ON tourism_spot (slug)",
    "CREATE UNIQUE INDEX tourism_product_kind ON tourism_product (spot_id, kind)",
    "CREATE UNIQUE INDEX tourism_slot_start ON tourism_slot (spot_id, starts_at)",
    "CREATE INDEX tourism_slot_day ON tourism_slot (spot_id, day)",
    "CREATE UNIQUE INDEX tourism_stock_shard ON tourism_stock (slot_id, shard)",
    "CREATE UNIQUE INDEX tourism_visitor_once ON tourism_visitor (citizen_id, id_index)",
    "CREATE INDEX tourism_hold_due ON tourism_hold (state, expires_at)",
    "CREATE INDEX tourism_hold_slot ON tourism_hold (slot_id, state)",
    "CREATE UNIQUE INDEX tourism_hold_order ON tourism_hold (order_id) WHERE order_id IS NOT NULL",
    "CREATE UNIQUE INDEX tourism_ticket_code ON tourism_ticket (code_id)",
    "CREATE UNIQUE INDEX tourism_ticket_one_a_day ON tourism_ticket (spot_id, day, id_index) "
    "WHERE state IN ('held', 'valid', 'redeemed')",
    "CREATE INDEX tourism_ticket_citizen ON tourism_ticket (citizen_id, created_at)",
)

_POSTGRES = (
    "ALTER TABLE tourism_stock ADD CONSTRAINT tourism_stock_capacity "
    "CHECK (held >= 0 AND sold >= 0 AND held + sold <= capacity)",
)
_SQLITE = tuple(
    f"CREATE TRIGGER tourism_stock_capacity_{when} BEFORE {event} ON tourism_stock "
    "WHEN NEW.held < 0 OR NEW.sold < 0 OR NEW.held + NEW.sold > NEW.capacity "
    "BEGIN SELECT RAISE(ABORT, 'tourism_stock_capacity'); END"
    for when, event in (("insert", "INSERT"), ("update", "UPDATE"))
)


async def _constraints() -> None:
    engine = engine_finder()
    assert engine is not None
    extra = _SQLITE if isinstance(engine, SQLiteEngine) else _POSTGRES
    for statement in (*_STATEMENTS, *extra):
        await engine.run_ddl(statement)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="tourism", description=DESCRIPTION)
    manager.add_raw(_constraints)
    return manager
