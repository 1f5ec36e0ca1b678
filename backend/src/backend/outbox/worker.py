"""Outbox workers: claim due jobs, run their topic's handler, record the outcome.

Several workers — in one process, or in many (``suqian worker`` replicas) — are safe at once: a
claim is one conditional UPDATE (on PostgreSQL over ``FOR UPDATE SKIP LOCKED``, so workers skip each
other's rows instead of waiting; on SQLite inside the single writer's IMMEDIATE transaction), and
only the claim's own lease token can finish a job. A worker killed mid-job leaves it ``running``
until its lease ends; then another takes it over and runs the handler again under the same
idempotency key, so the other system answers what it answered the first time (no second case).

A failed try goes back to ``pending`` after a backoff with full jitter (``base·2ⁿ`` up to ``cap``:
a department that comes back is not met by every job at once); past the budget it is ``dead`` until
an operator replays it.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import random
from collections.abc import Mapping
from datetime import timedelta

from backend.clock import Clock
from backend.crypto import PersonalDataCipher, SealedValueCorrupt
from backend.observability.metrics import Metrics
from backend.observability.tracing import Tracing
from backend.outbox.jobs import ClaimedJob, GiveUp, Handler, RetryLater, payload_column
from backend.outbox.repository import OutboxRepository
from backend.outbox.settings import OutboxSettings

log = logging.getLogger("backend.outbox")


def backoff(attempt: int, settings: OutboxSettings, rng: random.Random) -> float:
    """Seconds before try ``attempt + 1``: full jitter over ``base·2^(attempt-1)``, capped, at least
    a tenth of the base (never a hot loop)."""
    ceiling = min(settings.backoff_cap, settings.backoff_base * (2 ** min(attempt - 1, 30)))
    return max(settings.backoff_base / 10, rng.uniform(0, ceiling))


class OutboxWorker:
    """One worker: a background job (``backend.background.Job``) over the topics of ``handlers``."""

    def __init__(
        self,
        name: str,
        *,
        repository: OutboxRepository,
        handlers: Mapping[str, Handler],
        settings: OutboxSettings,
        clock: Clock,
        cipher: PersonalDataCipher,
        wake: asyncio.Event | None = None,
        rng: random.Random | None = None,
        tracing: Tracing | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.name = name
        self._repository = repository
        self._handlers = dict(handlers)
        self._cipher = cipher
        self._topics = sorted(self._handlers)
        self._settings = settings
        self._clock = clock
        self._wake = wake or asyncio.Event()
        self._rng = rng or random.Random()  # noqa: S311 (jitter, not a secret)
        self._stopping = asyncio.Event()
        self._tracing = tracing if tracing is not None and tracing.enabled else None
        self._metrics = metrics

    async def run(self) -> None:
        while not self._stopping.is_set():
            try:
                taken = await self.step()
            except Exception:
                # The database blinked: the loop must outlive it; the next poll tries again.
                log.exception("%s: claiming failed, will retry", self.name)
                taken = 0
            if taken == 0 and not self._stopping.is_set():
                waits = [
                    asyncio.ensure_future(self._wake.wait()),
                    asyncio.ensure_future(self._stopping.wait()),
                ]
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait(
                        waits, timeout=self._settings.poll_interval, return_when="FIRST_COMPLETED"
                    )
                for waiting in waits:
                    waiting.cancel()
                self._wake.clear()
        self._stopping.clear()

    def stop(self) -> None:
        self._stopping.set()

    async def drain(self) -> None:
        return None

    async def step(self) -> int:
        """Claim one batch and run it; the number of jobs taken."""
        if not self._topics:
            return 0
        now = self._clock.now()
        await self._repository.bury_expired(self._topics, now=now)
        jobs = await self._repository.claim(
            self._topics,
            now=now,
            lease=timedelta(seconds=self._settings.lease_seconds),
            limit=self._settings.batch,
        )
        if jobs:
            await asyncio.gather(*(self._try(job) for job in jobs))
        return len(jobs)

    async def _try(self, job: ClaimedJob) -> None:
        if self._tracing is None:
            outcome = await self._attempt(job)
        else:
            # A child of the span that enqueued the job: the delivery is part of the state change's
            # trace (an application's submission), however much later it runs.
            attributes = {
                "outbox.job_id": str(job.id),
                "outbox.topic": job.topic,
                "outbox.attempt": job.attempt,
            }
            with self._tracing.job_span(job.topic, traceparent=job.trace, attributes=attributes):
                outcome = await self._attempt(job)
        if self._metrics is not None:
            self._metrics.count_delivery(job.topic, outcome)

    async def _attempt(self, job: ClaimedJob) -> str:
        """One try; what came of it: ``done``, ``retried``, ``dead``, or ``lost`` (the lease was taken
        over before the outcome could be recorded)."""
        handler = self._handlers[job.topic]
        try:
            opened = self._cipher.open(job.payload, column=payload_column(job.topic, job.key))
        except SealedValueCorrupt:
            log.error("%s: %s %s: the payload does not open (wrong key?)", self.name, job.topic, job.id)
            await self._repository.bury(job, now=self._clock.now(), error="the payload does not open")
            return "dead"
        try:
            # Inside the lease, so a hung try is over before another worker may take the job.
            await asyncio.wait_for(
                handler(dataclasses.replace(job, payload=opened)), timeout=self._settings.lease_seconds * 0.8
            )
        except GiveUp as exc:
            log.warning("%s: %s %s dead-lettered: %s", self.name, job.topic, job.id, exc.reason)
            await self._repository.bury(job, now=self._clock.now(), error=exc.reason)
            return "dead"
        except RetryLater as exc:
            return await self._retry(job, exc.reason, after=exc.after, counted=exc.counted)
        except TimeoutError:
            return await self._retry(job, "the handler did not finish within its time", after=None)
        except Exception as exc:
            log.exception("%s: %s %s failed", self.name, job.topic, job.id)
            return await self._retry(job, f"{type(exc).__name__}: {exc}", after=None)
        if not await self._repository.finish(job, now=self._clock.now()):
            log.warning("%s: %s %s finished after its lease was taken over", self.name, job.topic, job.id)
            return "lost"
        return "done"

    async def _retry(self, job: ClaimedJob, reason: str, *, after: float | None, counted: bool = True) -> str:
        delay = after if after is not None else backoff(job.attempt, self._settings, self._rng)
        now = self._clock.now()
        # Not counted (our breaker never asked the other system): the try is given back.
        state = await self._repository.retry(
            job, now=now, due_at=now + timedelta(seconds=delay), error=reason, refund=not counted
        )
        if state == "dead":
            log.error(
                "%s: %s %s dead-lettered after %d tries: %s",
                self.name,
                job.topic,
                job.id,
                job.attempt,
                reason,
            )
            return "dead"
        return "retried" if state is not None else "lost"
