"""What offline gates and waiting lists rely on (raw steps, so a separate, later migration).

Tickets existing before ``changed_at`` count as changed when made; a spot's day is read in
``(changed_at, id)`` order; a gate's upload of one scan is recorded once however often it is re-sent;
one waiting place per citizen and slot while waiting or offered, served oldest first.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-03T13:13:09:000000"
VERSION = "1.38.0"
DESCRIPTION = "tourism: gate feed order, scans recorded once, one waiting place per citizen and slot"

_STATEMENTS = (
    "UPDATE tourism_ticket SET changed_at = created_at",
    "CREATE INDEX tourism_ticket_feed ON tourism_ticket (spot_id, day, changed_at, id)",
    "CREATE UNIQUE INDEX tourism_gate_scan_once ON tourism_gate_scan (gate, code_id, scanned_at)",
    "CREATE INDEX tourism_gate_scan_day ON tourism_gate_scan (spot_id, day, outcome)",
    "CREATE UNIQUE INDEX tourism_waiter_once ON tourism_waiter (slot_id, citizen_id) "
    "WHERE state IN ('waiting', 'offered')",
    "CREATE INDEX tourism_waiter_queue ON tourism_waiter (slot_id, state, created_at)",
)


async def _raw() -> None:
    engine = engine_finder()
    assert engine is not None
    for statement in _STATEMENTS:
        await engine.run_ddl(statement)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="tourism", description=DESCRIPTION)
    manager.add_raw(_raw)
    return manager
