from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from backend.clock import as_utc
from backend.database import Repository
from backend.queues.repository import on_sqlite
from backend.queues.tables import QueueEvent, QueueHall, QueueNotice


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


class Notice:
    def __init__(self, raw: dict[str, Any]) -> None:
        self.id: uuid.UUID = raw["id"]
        self.key: str = raw["key"]
        self.citizen_id: uuid.UUID = raw["citizen_id"]
        self.event: str = raw["event"]
        self.data: str = raw["data"]
        self.attempts: int = int(raw["attempts"])


class NoticeRepository(Repository):
    async def add(self, *, key: str, citizen_id: uuid.UUID, event: str, data: str, now: datetime) -> bool:
        """Owe a notice once per ``key`` (ticket and event): a second call adds nothing."""
        rows = await QueueNotice.raw(
            "INSERT INTO queue_notice "
            "(id, key, citizen_id, event, data, status, attempts, next_at, created_at) "
            "VALUES ({}, {}, {}, {}, {}, 'pending', 0, {}, {}) ON CONFLICT (key) DO NOTHING RETURNING id",
            uuid.uuid4(),
            key,
            citizen_id,
            event,
            data,
            now,
            now,
        )
        return bool(rows)

    async def lease(self, *, now: datetime, lease: timedelta, limit: int) -> list[Notice]:
        """Claim up to ``limit`` due notices for ``lease``: another worker skips them meanwhile."""
        lock = "" if on_sqlite(self._engine) else " FOR UPDATE SKIP LOCKED"
        rows = await QueueNotice.raw(
            "UPDATE queue_notice SET next_at = {}, attempts = attempts + 1 WHERE id IN (SELECT id FROM "  # noqa: S608
            f"queue_notice WHERE status = 'pending' AND next_at <= {{}} ORDER BY next_at LIMIT {{}}{lock}) "
            "RETURNING id, key, citizen_id, event, data, attempts",
            now + lease,
            now,
            limit,
        )
        return [Notice(raw) for raw in rows]

    async def settle(self, notice_id: uuid.UUID, status: str) -> None:
        await QueueNotice.update({QueueNotice.status: status}).where(QueueNotice.id == notice_id)

    async def retry_at(self, notice_id: uuid.UUID, when: datetime) -> None:
        await QueueNotice.update({QueueNotice.next_at: when}).where(QueueNotice.id == notice_id)

    async def of_citizen(self, citizen_id: uuid.UUID) -> list[dict[str, Any]]:
        rows = await QueueNotice.select(QueueNotice.key, QueueNotice.event, QueueNotice.status).where(
            QueueNotice.citizen_id == citizen_id
        )
        return list(rows)


__all__ = ["EventRepository", "Notice", "NoticeRepository", "as_utc"]
