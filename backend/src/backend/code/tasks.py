"""The citizen code's verification audit rows, recorded without I/O and written in batches.

**Audit batching, and what it trades.** Every verification is audited (chain ``code``), but the
verify path must not wait for the database: it appends a row to an in-process buffer (no I/O),
and a task writes the buffer with one ``AuditLog.append_many`` every ``audit_flush_every`` (150 ms)
or as soon as ``audit_flush_rows`` (500) are waiting, and once more on shutdown. A hard crash (kill
-9, power loss) therefore loses at most one flush window of verification rows. That is acceptable
because they record *reads*: the gate's decision was already shown, no state changed, and nothing
was acknowledged as durable; state changes of this feature (devices, revocations, key rotations,
scan uploads) are audited in their own transaction as usual. A failed write keeps its rows queued
and retries on the next tick; past ``MAX_PENDING`` rows the oldest are dropped and counted in the
log, so a database outage can't exhaust memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from backend.audit.chain import NewEntry
from backend.audit.service import AuditLog
from backend.clock import Clock

log = logging.getLogger("backend.code.tasks")

# ~1 KiB a row: at most ~100 MiB of audit rows wait out a database outage.
MAX_PENDING = 100_000


class AuditBuffer:
    """Audit rows recorded without I/O and written in batches by ``run``: a background job
    (``backend.background``) whose last step at shutdown writes what is left."""

    def __init__(
        self, audit: AuditLog, *, chain: str, clock: Clock, flush_every: float, flush_rows: int
    ) -> None:
        self._audit = audit
        self.chain = chain
        self.name = f"audit buffer {chain}"
        self._clock = clock
        self._flush_every = flush_every
        self._flush_rows = flush_rows
        self._pending: list[NewEntry] = []
        self._wake = asyncio.Event()
        self._stop = asyncio.Event()
        self.dropped = 0

    def stop(self) -> None:
        """End ``run`` at its next wake-up, which this triggers; ``drain`` does the final flush."""
        self._stop.set()
        self._wake.set()

    def record(self, *, actor: str, action: str, subject: str, data: dict[str, Any]) -> None:
        self._pending.append(
            NewEntry(occurred_at=self._clock.now(), actor=actor, action=action, subject=subject, data=data)
        )
        if len(self._pending) >= self._flush_rows:
            self._wake.set()

    @property
    def pending(self) -> int:
        return len(self._pending)

    async def flush(self) -> int:
        """Write everything recorded so far as one batch; the number of rows written."""
        batch, self._pending = self._pending, []
        if not batch:
            return 0
        try:
            await self._audit.append_many(self.chain, batch)
        except BaseException:
            # Back in front of what arrived meanwhile, in order; the oldest go if it grew too long.
            self._pending[:0] = batch
            excess = len(self._pending) - MAX_PENDING
            if excess > 0:
                del self._pending[:excess]
                self.dropped += excess
                log.error("audit buffer %s full: dropped %s verification rows", self.chain, excess)
            raise
        return len(batch)

    async def run(self) -> None:
        """Flush every ``flush_every`` seconds (or at ``flush_rows``) until ``stop()``."""
        while not self._stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._flush_every)
            self._wake.clear()
            if self._stop.is_set():
                break
            try:
                await self.flush()
            except Exception:
                # The writer must outlive a failed flush (a database restart); rows stay queued.
                log.exception("audit buffer %s: flush failed, will retry", self.chain)
        # Cleared on the way out, not on the way in: a stop() that lands before the task first runs
        # must still end it.
        self._stop.clear()

    async def drain(self) -> None:
        await self.flush()
