"""Operators' view of the outbox: the backlog, the dead letter, and replay."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, QueryParameter

from backend.auth.guards import staff
from backend.auth.principal import Principal
from backend.outbox.errors import JobNotDead, JobNotFound
from backend.outbox.jobs import JobRecord, JobState
from backend.outbox.schemas import OutboxJobPage, OutboxJobRead
from backend.outbox.service import Outbox
from backend.pagination import CursorInvalid

PageSize = Annotated[int, QueryParameter(ge=1, le=100)]
Topic = Annotated[str | None, QueryParameter(min_length=1, max_length=64, pattern=r"^[a-z0-9_.]+$")]


def _read(job: JobRecord) -> OutboxJobRead:
    return OutboxJobRead(
        id=job.id,
        topic=job.topic,
        key=job.key,
        state=job.state,
        attempts=job.attempts,
        max_attempts=job.max_attempts,
        replays=job.replays,
        due_at=job.due_at,
        last_error=job.last_error,
        created_at=job.created_at,
        updated_at=job.updated_at,
        finished_at=job.finished_at,
    )


class OutboxAdminController(Controller):
    path = "/api/v1/admin/outbox"
    tags = ("admin",)
    opt = {"access": staff("operator")}  # noqa: RUF012 (Litestar's declaration style)

    @get("/", summary="Outbox jobs, newest first; `state=dead` is the dead letter", errors=(CursorInvalid,))
    async def list(
        self,
        outbox: NamedDependency[Outbox],
        # "state" is a name Litestar reserves for the app's state: the parameter is spelt apart.
        job_state: Annotated[JobState | None, QueryParameter(name="state")] = None,
        topic: Topic = None,
        cursor: FromQuery[str | None] = None,
        limit: PageSize = 50,
    ) -> OutboxJobPage:
        jobs, next_cursor = await outbox.page(state=job_state, topic=topic, cursor=cursor, limit=limit)
        return OutboxJobPage(
            items=[_read(j) for j in jobs], next_cursor=next_cursor, counts=await outbox.counts()
        )

    @get("/{job_id:uuid}", summary="One outbox job", errors=(JobNotFound,))
    async def read(self, job_id: FromPath[uuid.UUID], outbox: NamedDependency[Outbox]) -> OutboxJobRead:
        return _read(await outbox.get(job_id))

    @post(
        "/{job_id:uuid}/replay",
        status_code=200,
        summary="Replay a dead-lettered job with a fresh budget",
        description="The job is due at once and keeps its idempotency key, so the other system can "
        "never take it twice. Audited (`outbox.replayed`).",
        errors=(JobNotFound, JobNotDead),
    )
    async def replay(
        self,
        job_id: FromPath[uuid.UUID],
        outbox: NamedDependency[Outbox],
        principal: NamedDependency[Principal],
    ) -> OutboxJobRead:
        return _read(await outbox.replay(job_id, actor=principal.subject))
