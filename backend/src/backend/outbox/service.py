"""``Outbox``: enqueue work inside the caller's transaction; read, list and replay jobs.

    async with transaction(engine):
        await repository.save(application)  # the state change
        await outbox.enqueue("application.deliver", key=f"application:{id}:submit", payload=...)

Both commit or neither does, so a submission is never saved without its delivery nor delivered
without being saved. Workers (``backend.outbox.worker``) deliver it afterwards.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import msgspec
from piccolo.engine.base import Engine

from backend.audit.service import AuditLog
from backend.clock import Clock
from backend.crypto import PersonalDataCipher
from backend.database import transaction
from backend.observability.metrics import Metrics
from backend.observability.tracing import current_traceparent
from backend.outbox.errors import JobNotDead, JobNotFound
from backend.outbox.jobs import JobRecord, JobState, payload_column
from backend.outbox.repository import OutboxRepository
from backend.outbox.settings import OutboxSettings
from backend.pagination import decode_cursor, encode_cursor


class Outbox:
    """The shared outbox every feature enqueues into."""

    def __init__(
        self,
        *,
        repository: OutboxRepository,
        settings: OutboxSettings,
        audit: AuditLog,
        clock: Clock,
        engine: Engine[Any],
        cipher: PersonalDataCipher,
    ) -> None:
        self._repository = repository
        self._cipher = cipher
        self._engine = engine
        self.settings = settings
        self._audit = audit
        self._clock = clock
        # Idle workers of this process wait on these; ``wake`` sets them all.
        self._waiting: list[asyncio.Event] = []

    async def enqueue(
        self,
        topic: str,
        *,
        key: str,
        payload: bytes | str | msgspec.Struct | dict[str, object],
        delay: float = 0.0,
        max_attempts: int | None = None,
    ) -> bool:
        """Owe ``topic`` a delivery of ``payload`` under the idempotency key ``key``; call it inside
        the transaction of the state change. False when the key was enqueued before (nothing new)."""
        if isinstance(payload, bytes):
            text = payload.decode()
        elif isinstance(payload, str):
            text = payload
        else:
            text = msgspec.json.encode(payload).decode()
        now = self._clock.now()
        return await self._repository.insert(
            topic=topic,
            key=key,
            # Sealed at rest: payloads carry personal data (a submission holds the ID number).
            payload=self._cipher.seal(text, column=payload_column(topic, key)),
            max_attempts=max_attempts or self.settings.max_attempts,
            now=now,
            due_at=now + timedelta(seconds=delay),
            # The trace the state change runs in (tracing on): the delivery span will join it.
            trace=current_traceparent(),
        )

    async def forget(self, key_prefix: str) -> int:
        """Empty the payloads of finished (done or dead) jobs whose key starts with ``key_prefix``:
        a closed account's deliveries keep their row (what was sent, when) but no personal data."""
        return await self._repository.forget(key_prefix)

    def wake(self) -> None:
        """Tell this process's idle workers there is work (after the enqueuing transaction commits);
        other processes find it at their next poll."""
        for event in self._waiting:
            event.set()

    def waiter(self) -> asyncio.Event:
        event = asyncio.Event()
        self._waiting.append(event)
        return event

    async def find(self, topic: str, key: str) -> JobRecord | None:
        return await self._repository.find_by_key(topic, key)

    async def get(self, job_id: uuid.UUID) -> JobRecord:
        job = await self._repository.find(job_id)
        if job is None:
            raise JobNotFound()
        return job

    async def page(
        self, *, state: JobState | None, topic: str | None, cursor: str | None, limit: int
    ) -> tuple[list[JobRecord], str | None]:
        after = decode_cursor(cursor, tuple[datetime, uuid.UUID]) if cursor else None
        rows = await self._repository.page(state=state, topic=topic, after=after, limit=limit + 1)
        more = len(rows) > limit
        rows = rows[:limit]
        return rows, (encode_cursor(rows[-1].created_at, rows[-1].id) if more and rows else None)

    async def replay(self, job_id: uuid.UUID, *, actor: str) -> JobRecord:
        """Give a dead-lettered job a fresh budget, due now (audited)."""
        async with transaction(self._engine):
            job = await self._repository.replay(job_id, now=self._clock.now())
            if job is None:
                await self.get(job_id)  # 404 when there is no such job
                raise JobNotDead()
            await self._audit.append(
                actor=actor,
                action="outbox.replayed",
                subject=f"outbox:{job.id}",
                data={"topic": job.topic, "key": job.key, "replays": job.replays},
                chain="outbox",
            )
        self.wake()
        return job

    async def counts(self, topics: Sequence[str] | None = None) -> dict[str, int]:
        return await self._repository.counts(topics)

    async def observe_depth(self, metrics: Metrics) -> None:
        """Set the outbox gauges (jobs by topic and state, the oldest undelivered job's age): one
        grouped query over the unfinished jobs, run when Prometheus scrapes."""
        rows = await self._repository.depth()
        now = self._clock.now()
        metrics.outbox_jobs.clear()
        metrics.outbox_oldest.clear()
        oldest: dict[str, float] = {}
        for topic, state, jobs, created in rows:
            metrics.outbox_jobs.labels(topic, state).set(jobs)
            if state != "dead":
                age = max(0.0, (now - created).total_seconds())
                oldest[topic] = max(age, oldest.get(topic, 0.0))
        for topic, age in oldest.items():
            metrics.outbox_oldest.labels(topic).set(age)
