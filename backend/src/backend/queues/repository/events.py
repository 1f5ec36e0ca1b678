from __future__ import annotations

import uuid
from datetime import datetime

from backend.clock import as_utc
from backend.database import Repository
from backend.queues.tables import QueueEvent, QueueHall


class EventRepository(Repository):
    async def next_seq(self, hall_id: uuid.UUID) -> int:
        """The hall's next event number. The row lock it takes is held to the commit, so a hall's
        events commit in the order of their numbers: a watcher that saw n never misses n - 1."""
        rows = await QueueHall.raw(
            "UPDATE queue_hall SET event_seq = event_seq + 1 WHERE id = {} RETURNING event_seq", hall_id
        )
        return int(rows[0]["event_seq"])

    async def add(self, hall_id: uuid.UUID, seq: int, data: bytes, *, now: datetime) -> None:
        await QueueEvent.insert(QueueEvent(hall_id=hall_id, seq=seq, data=data.decode(), at=now))

    async def after(self, hall_id: uuid.UUID, seq: int, *, limit: int = 500) -> list[tuple[int, bytes]]:
        rows = await (
            QueueEvent.select(QueueEvent.seq, QueueEvent.data)
            .where((QueueEvent.hall_id == hall_id) & (QueueEvent.seq > seq))
            .order_by(QueueEvent.seq)
            .limit(limit)
        )
        return [(int(raw["seq"]), str(raw["data"]).encode()) for raw in rows]

    async def latest(self, hall_id: uuid.UUID, *, limit: int) -> list[tuple[int, bytes]]:
        rows = await (
            QueueEvent.select(QueueEvent.seq, QueueEvent.data)
            .where(QueueEvent.hall_id == hall_id)
            .order_by(QueueEvent.seq, ascending=False)
            .limit(limit)
        )
        return [(int(raw["seq"]), str(raw["data"]).encode()) for raw in reversed(rows)]

    async def last_seq(self, hall_id: uuid.UUID) -> int:
        raw = await QueueHall.select(QueueHall.event_seq).where(QueueHall.id == hall_id).first()
        return 0 if raw is None else int(raw["event_seq"])


__all__ = ["EventRepository", "as_utc"]
