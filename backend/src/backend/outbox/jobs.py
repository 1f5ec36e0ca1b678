"""What the outbox holds and hands to handlers, and how a handler answers."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from integrations import CircuitOpen, UpstreamUnavailable

JobState = Literal["pending", "running", "done", "dead"]
JOB_STATES: tuple[JobState, ...] = ("pending", "running", "done", "dead")


@dataclass(frozen=True, slots=True, kw_only=True)
class ClaimedJob:
    """A job a worker holds for one try. ``key`` is the idempotency key to send the other system,
    the same on every try and replay; ``attempt`` counts from 1."""

    id: uuid.UUID
    topic: str
    key: str
    payload: str
    attempt: int
    max_attempts: int
    lease: str
    # The traceparent of the span that enqueued it (``backend.observability.tracing``), if any.
    trace: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class JobRecord:
    id: uuid.UUID
    topic: str
    key: str
    payload: str
    state: JobState
    attempts: int
    max_attempts: int
    replays: int
    due_at: datetime
    last_error: str
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None


def payload_column(topic: str, key: str) -> str:
    """What a job's payload is sealed under (AES-GCM associated data): bound to its topic and key, so
    no payload opens as another job's."""
    return f"outbox_job.payload:{topic}:{key}"


class RetryLater(Exception):
    """The other system can't take it now (down, timed out, 5xx, 429): try again after a backoff,
    or ``after`` seconds when it said so. ``counted=False`` when the other system was never asked
    (our circuit breaker is open): the try is given back, so a breaker's cool-down never spends the
    budget."""

    def __init__(self, reason: str, *, after: float | None = None, counted: bool = True) -> None:
        super().__init__(reason)
        self.reason = reason
        self.after = after
        self.counted = counted


def retry_upstream(exc: UpstreamUnavailable, system: str) -> RetryLater:
    """The retry for another system that is down: after what it asked for; a breaker that never
    asked it gives the try back (``counted=False``)."""
    if isinstance(exc, CircuitOpen):
        return RetryLater(f"{system} unavailable: {exc}", after=exc.retry_in, counted=False)
    return RetryLater(f"{system} unavailable: {exc}", after=exc.retry_after)


class GiveUp(Exception):
    """The other system refused it for good (a permanent rejection): dead-letter it now, for an
    operator to look at and replay once the cause is fixed."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# Delivers one job. Returns normally when the other system has it (the job is done); raises
# ``RetryLater`` or ``GiveUp``; any other exception is a retry too (logged with its traceback).
# It must be safe to run twice: a worker may die after the other system accepted and before the job
# was marked done — send ``job.key`` as the idempotency key, and save what the other side answered
# (a case number) before any next step.
Handler = Callable[[ClaimedJob], Awaitable[None]]
