from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import msgspec

from backend.fields import doc
from backend.outbox.jobs import JobState


class OutboxJobRead(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    topic: Annotated[str, doc("What the job does, named by the feature that enqueued it", "hotline.file")]
    key: Annotated[
        str,
        doc(
            "The idempotency key sent to the other system, the same on every try and replay",
            "hotline.file:4f1c2d9e-5b7a-4e3c-9d8f-1a2b3c4d5e6f",
        ),
    ]
    state: Annotated[
        JobState,
        doc(
            "`pending` (waiting for `due_at`), `running` (a worker holds it), `done`, "
            "or `dead` (out of attempts: replay it once the cause is fixed)",
            "dead",
        ),
    ]
    attempts: Annotated[int, doc("Tries made since it was enqueued or last replayed", 8)]
    max_attempts: Annotated[int, doc("Tries allowed before it goes `dead`", 8)]
    replays: Annotated[int, doc("How many times an operator has replayed it", 0)]
    due_at: Annotated[
        datetime, doc("When it is (or was) next due to run (ISO 8601, UTC)", "2026-12-03T02:15:04Z")
    ]
    last_error: Annotated[
        str,
        doc("What the last failed try said; empty when none failed", "12345 platform: upstream timed out"),
    ]
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None


class OutboxJobPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[OutboxJobRead]
    next_cursor: str | None
    # Jobs per state across every topic: the backlog and the dead letter at a glance.
    counts: Annotated[
        dict[str, int],
        doc(
            "Jobs per state across every topic (`pending`, `running`, `done`, "
            "`dead`): the backlog and the dead letter at a glance",
            {"pending": 12, "running": 1, "done": 40211, "dead": 2},
        ),
    ]
