"""The audit log is a hash chain: any edit, deletion or reordering of a row is detected."""

from __future__ import annotations

import asyncio
import secrets
from datetime import UTC, datetime
from typing import Any

import pytest
from piccolo.engine.base import Engine

from backend.audit.chain import GENESIS, NewEntry
from backend.audit.service import AuditLog
from tests.services import Services


def _chain() -> str:
    return f"t-{secrets.token_hex(4)}"


async def _fill(audit: AuditLog, chain: str, n: int) -> None:
    for i in range(n):
        await audit.append(
            chain=chain,
            actor="citizen:42",
            action="auth.login",
            subject=f"session:{i}",
            data={"ip": "10.0.0.1", "n": i},
        )


async def _as_owner(engine: Engine[Any], sql: str, *args: object) -> None:
    """What an attacker with DDL rights would do: switch the append-only trigger off, then tamper."""
    async with engine.transaction():
        await engine.run_ddl("ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_append_only")
        await _raw(engine, sql, *args)
        await engine.run_ddl("ALTER TABLE audit_entry ENABLE TRIGGER audit_entry_append_only")


async def _raw(engine: Engine[Any], sql: str, *args: object) -> None:
    from backend.audit.tables import AuditEntry

    await AuditEntry.raw(sql, *args)


async def test_appended_entries_form_an_intact_chain(services: Services) -> None:
    chain = _chain()
    await _fill(services.audit, chain, 5)
    report = await services.audit.verify(chain)
    assert report.intact
    assert report.checked == 5


async def test_first_entry_links_to_genesis_and_each_next_to_the_previous(services: Services) -> None:
    chain = _chain()
    first = await services.audit.append(chain=chain, actor="a", action="x", subject="s")
    second = await services.audit.append(chain=chain, actor="a", action="y", subject="s")
    assert first.prev_hash == GENESIS
    assert second.prev_hash == first.hash
    assert (first.seq, second.seq) == (1, 2)


async def test_tampered_data_is_detected_at_the_tampered_row(services: Services) -> None:
    chain = _chain()
    await _fill(services.audit, chain, 6)
    await _as_owner(
        services.engine,
        "UPDATE audit_entry SET data = {} WHERE chain = {} AND seq = 3",
        '{"ip":"10.0.0.9","n":2}',
        chain,
    )
    report = await services.audit.verify(chain)
    assert not report.intact
    assert report.first_bad_seq == 3
    assert report.checked == 2


async def test_tampered_actor_with_recomputed_hash_breaks_the_next_link(services: Services) -> None:
    chain = _chain()
    await _fill(services.audit, chain, 4)
    # Rewriting a row's hash to match its new content still leaves the following row pointing at the old one.
    from backend.audit.chain import seal
    from backend.audit.tables import AuditEntry

    row = await AuditEntry.select().where((AuditEntry.chain == chain) & (AuditEntry.seq == 2)).first()
    assert row is not None
    forged = seal(
        chain=chain,
        seq=2,
        prev_hash=row["prev_hash"],
        occurred_at=row["occurred_at"],
        actor="citizen:666",
        action=row["action"],
        subject=row["subject"],
        data=row["data"],
    )
    await _as_owner(
        services.engine,
        "UPDATE audit_entry SET actor = 'citizen:666', hash = {} WHERE chain = {} AND seq = 2",
        forged,
        chain,
    )
    report = await services.audit.verify(chain)
    assert report.first_bad_seq == 3


async def test_deleted_row_is_detected(services: Services) -> None:
    chain = _chain()
    await _fill(services.audit, chain, 5)
    await _as_owner(services.engine, "DELETE FROM audit_entry WHERE chain = {} AND seq = 2", chain)
    report = await services.audit.verify(chain)
    assert report.first_bad_seq == 2


async def test_postgresql_refuses_update_and_delete(services: Services) -> None:
    chain = _chain()
    await _fill(services.audit, chain, 1)
    with pytest.raises(Exception, match="append-only"):
        await _raw(services.engine, "UPDATE audit_entry SET actor = 'x' WHERE chain = {}", chain)
    with pytest.raises(Exception, match="append-only"):
        await _raw(services.engine, "DELETE FROM audit_entry WHERE chain = {}", chain)


async def test_concurrent_appends_keep_one_gapless_chain(services: Services) -> None:
    chain = _chain()
    await asyncio.gather(
        *(
            services.audit.append(chain=chain, actor="scanner:1", action="code.verify", subject=f"s{i}")
            for i in range(30)
        )
    )
    report = await services.audit.verify(chain)
    assert report.intact
    assert report.checked == 30


async def test_append_many_seals_a_batch_in_order(services: Services) -> None:
    chain = _chain()
    now = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    entries = [
        NewEntry(occurred_at=now, actor="scanner:7", action="code.verify", subject=f"c{i}") for i in range(10)
    ]
    records = await services.audit.append_many(chain, entries)
    assert [r.seq for r in records] == list(range(1, 11))
    assert (await services.audit.verify(chain)).intact


async def test_a_transaction_rolled_back_takes_its_audit_entry_with_it(services: Services) -> None:
    chain = _chain()

    class Boom(Exception):
        pass

    async def change_then_fail() -> None:
        async with services.engine.transaction():
            await services.audit.append(chain=chain, actor="a", action="booking.create", subject="b1")
            raise Boom

    with pytest.raises(Boom):
        await change_then_fail()
    report = await services.audit.verify(chain)
    assert report.checked == 0


async def test_latest_pages_a_chain_newest_first(services: Services) -> None:
    chain = _chain()
    await _fill(services.audit, chain, 5)
    first = await services.audit.latest(chain, limit=3)
    assert [entry.seq for entry in first] == [5, 4, 3]
    older = await services.audit.latest(chain, before_seq=first[-1].seq, limit=3)
    assert [entry.seq for entry in older] == [2, 1]
    assert chain in await services.audit.chains()
