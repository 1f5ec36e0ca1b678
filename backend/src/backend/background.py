"""Background work, one mechanism for all of it: periodic loops and long-running consumers.

A feature declares its jobs (``Feature.background``); the app starts them all after the database
pool opens and stops them all before it closes, in the embedded default in-process and in production
in every worker (``suqian worker`` later runs the same jobs without the HTTP side). A job is anything
with ``run()`` (returns once ``stop()`` was called), ``stop()`` (a signal; never blocks) and
``drain()`` (the last step at shutdown, e.g. a final flush)::

    Periodic("code trust refresh", every=5.0, step=trust.refresh)   # a loop
    AuditBuffer(...)                                                  # a consumer of its own queue

Jobs are stopped by a signal, never by cancellation: a cancel landing inside a database or Redis call
can surface as an ordinary error, which these loops survive by design, and they would go on. Stopping
is bounded (``STOP_TIMEOUT`` for the loop to notice, ``DRAIN_TIMEOUT`` for its last step), so
shutdown finishes even when the database no longer answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

log = logging.getLogger("backend.background")

# Seconds a job may take to notice it should stop (it may be mid-step), and for its last step: a
# graceful stop gives a worker ~30 s in all (Kubernetes' default terminationGracePeriodSeconds).
STOP_TIMEOUT = 10.0
DRAIN_TIMEOUT = 10.0


class Job(Protocol):
    name: str

    async def run(self) -> None: ...

    def stop(self) -> None: ...

    async def drain(self) -> None: ...


class Periodic:
    """Call ``step`` every ``every`` seconds until stopped, surviving (and logging) its failures.

    ``immediately``: take the first step at start rather than after the first interval.
    """

    def __init__(
        self, name: str, *, every: float, step: Callable[[], Awaitable[None]], immediately: bool = False
    ) -> None:
        self.name = name
        self.every = every
        self._step = step
        self._immediately = immediately
        self._stopping = asyncio.Event()

    async def run(self) -> None:
        first = self._immediately
        while not self._stopping.is_set():
            if not first:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), timeout=self.every)
                if self._stopping.is_set():
                    break
            first = False
            try:
                await self._step()
            except Exception:
                # A periodic step must survive a database or Redis blip; the next tick tries again.
                log.exception("%s failed, will retry", self.name)
        # Cleared on the way out, not on the way in: a stop() that lands before the task first runs
        # must still end it, and the job can be started again.
        self._stopping.clear()

    def stop(self) -> None:
        self._stopping.set()

    async def drain(self) -> None:
        return None


class BackgroundWork:
    """Starts a set of jobs together and stops them together, bounded."""

    def __init__(self, jobs: Sequence[Job]) -> None:
        self.jobs = tuple(jobs)
        self._tasks: list[tuple[Job, asyncio.Task[None]]] = []

    async def start(self) -> None:
        self._tasks = [(job, asyncio.create_task(job.run(), name=job.name)) for job in self.jobs]

    async def stop(self) -> None:
        for job, _ in self._tasks:
            job.stop()
        for job, task in self._tasks:
            try:
                await asyncio.wait_for(task, STOP_TIMEOUT)
            except TimeoutError:
                log.warning("background job %s did not stop in %.0f s", job.name, STOP_TIMEOUT)
            except Exception:
                log.exception("background job %s ended with an error", job.name)
        self._tasks = []
        for job in self.jobs:
            try:
                await asyncio.wait_for(job.drain(), DRAIN_TIMEOUT)
            except Exception:
                # TimeoutError included: the database may be gone; shutdown goes on regardless.
                log.exception("background job %s: last step on shutdown failed", job.name)
