"""The verification audit buffer: no I/O on record, batched writes in order, survival of a failed
write, a bound on memory, and a final flush on shutdown."""

from __future__ import annotations

import asyncio
import secrets

import asyncpg
import pytest

from backend.audit.tables import AuditEntry
from backend.background import BackgroundWork, Periodic
from backend.code import tasks
from backend.code.tasks import AuditBuffer
from tests.services import Services


def _buffer(
    services: Services, *, chain: str | None = None, rows: int = 1000, every: float = 3600
) -> AuditBuffer:
    return AuditBuffer(
        services.audit,
        chain=chain or f"test-{secrets.token_hex(4)}",
        clock=services.clock,
        flush_every=every,
        flush_rows=rows,
    )


async def _written(chain: str) -> list[str]:
    rows = (
        await AuditEntry.select(AuditEntry.subject).where(AuditEntry.chain == chain).order_by(AuditEntry.seq)
    )
    return [row["subject"] for row in rows]


def _record(buffer: AuditBuffer, *subjects: str) -> None:
    for subject in subjects:
        buffer.record(actor="device:test", action="code.verified", subject=subject, data={"reason": "ok"})


async def test_recorded_rows_wait_in_memory_and_flush_writes_them_in_order(services: Services) -> None:
    buffer = _buffer(services)
    _record(buffer, "a", "b", "c")
    assert await _written(buffer.chain) == []
    assert await buffer.flush() == 3
    assert await _written(buffer.chain) == ["a", "b", "c"]
    assert (await services.audit.verify(buffer.chain)).intact
    assert await buffer.flush() == 0


async def test_the_writer_wakes_when_a_batch_is_full(services: Services) -> None:
    buffer = _buffer(services, rows=3)
    writer = asyncio.create_task(buffer.run())
    try:
        _record(buffer, "1", "2", "3")
        for _ in range(500):  # bounded wait for the writer; no timing is asserted
            if buffer.pending == 0 and await _written(buffer.chain):
                break
            await asyncio.sleep(0.01)
        assert await _written(buffer.chain) == ["1", "2", "3"]
    finally:
        buffer.stop()
        await asyncio.wait_for(writer, 10)
    assert writer.done()


async def test_a_failed_write_keeps_its_rows_for_the_next_attempt(services: Services) -> None:
    # A chain name longer than the column: the database refuses the insert.
    buffer = _buffer(services, chain="x" * 40)
    _record(buffer, "first", "second")
    with pytest.raises(asyncpg.PostgresError):
        await buffer.flush()
    _record(buffer, "third")
    assert buffer.pending == 3
    buffer.chain = f"test-{secrets.token_hex(4)}"
    await buffer.flush()
    assert await _written(buffer.chain) == ["first", "second", "third"]


async def test_pending_rows_are_bounded_while_the_database_refuses_them(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tasks, "MAX_PENDING", 2)
    buffer = _buffer(services, chain="x" * 40)
    _record(buffer, "old", "mid", "new")
    with pytest.raises(asyncpg.PostgresError):
        await buffer.flush()
    assert buffer.pending == 2
    assert buffer.dropped == 1


async def test_stopping_the_background_flushes_what_is_left(services: Services) -> None:
    buffer = _buffer(services)
    background = BackgroundWork([buffer, Periodic("refresh", every=3600, step=services.code_trust.refresh)])
    await background.start()
    _record(buffer, "last words")
    await background.stop()
    assert await _written(buffer.chain) == ["last words"]
