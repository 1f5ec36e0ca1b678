"""The only place the queues feature's queries live: halls (and their services, counters, staff and
slots), bookings, tickets, and the events and notices written with them."""

from __future__ import annotations

from typing import Any

from piccolo.engine.base import Engine
from piccolo.engine.sqlite import SQLiteEngine


def on_sqlite(engine: Engine[Any]) -> bool:
    """SQLite serialises writers (IMMEDIATE transactions), so a statement that PostgreSQL needs
    ``FOR UPDATE SKIP LOCKED`` or a data-modifying CTE for is plainer there."""
    return isinstance(engine, SQLiteEngine)
