from __future__ import annotations

import uuid
from datetime import datetime

import msgspec

from backend.outbox.jobs import JobState


class OutboxJobRead(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    topic: str
    key: str
    state: JobState
    attempts: int
    max_attempts: int
    replays: int
    due_at: datetime
    last_error: str
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None


class OutboxJobPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[OutboxJobRead]
    next_cursor: str | None
    # Jobs per state across every topic: the backlog and the dead letter at a glance.
    counts: dict[str, int]
