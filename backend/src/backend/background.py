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

# Seconds all jobs together may take to notice they should stop (one may be mid-step), and all their
# last steps together: 20 s in all, inside the ~30 s a graceful stop gives a worker (Kubernetes'
# default terminationGracePeriodSeconds) with room for the pool to close.
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
        tasks = {task: job for job, task in self._tasks}
        self._tasks = []
        if tasks:
            # Together, not one after another: the bound is for the whole stop, not per job.
            _, pending = await asyncio.wait(tasks, timeout=STOP_TIMEOUT)
            for task in pending:
                log.warning("background job %s did not stop in %.0f s", tasks[task].name, STOP_TIMEOUT)
                task.cancel()
            for task in tasks.keys() - pending:
                if not task.cancelled() and task.exception() is not None:
                    log.error(
                        "background job %s ended with an error", tasks[task].name, exc_info=task.exception()
                    )
        if not self.jobs:
            return
        drains = [asyncio.ensure_future(job.drain()) for job in self.jobs]
        _, pending = await asyncio.wait(drains, timeout=DRAIN_TIMEOUT)
        for future in pending:
            future.cancel()
        for job, future in zip(self.jobs, drains, strict=True):
            if future in pending:
                log.error(
                    "background job %s: last step on shutdown took over %.0f s", job.name, DRAIN_TIMEOUT
                )
            elif future.exception() is not None:
                # The database may be gone; shutdown goes on regardless.
                log.error(
                    "background job %s: last step on shutdown failed", job.name, exc_info=future.exception()
                )
