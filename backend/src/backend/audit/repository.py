from __future__ import annotations

from datetime import UTC

from backend.audit.chain import GENESIS, AuditRecord, NewEntry, canonical_data, seal
from backend.audit.tables import AuditEntry
from backend.clock import as_utc
from backend.database import Repository, transaction

_COLUMNS = ("chain", "seq", "occurred_at", "actor", "action", "subject", "data", "prev_hash", "hash")
_INSERT_ARRAYS = (
    "INSERT INTO audit_entry (chain, seq, occurred_at, actor, action, subject, data, prev_hash, hash) "
    "SELECT * FROM unnest({}::varchar[], {}::bigint[], {}::timestamptz[], {}::varchar[], {}::varchar[], "
    "{}::varchar[], {}::text[], {}::varchar[], {}::varchar[])"
)


class AuditRepository(Repository):
    async def append(self, chain: str, entries: list[NewEntry]) -> list[AuditRecord]:
        """Seal and insert ``entries`` at the head of ``chain``, atomically and in order.

        On PostgreSQL a transaction-scoped advisory lock per chain serialises appenders, so heads
        never race; the unique (chain, seq) index is the backstop on both databases. If a caller's
        transaction is open, the entries join it and commit or roll back with the state change.
        """
        async with transaction(self._engine):
            if self._engine.engine_type == "postgres":
                await AuditEntry.raw("SELECT pg_advisory_xact_lock(hashtext({}))", f"audit:{chain}")
            head = (
                await AuditEntry.select(AuditEntry.seq, AuditEntry.hash)
                .where(AuditEntry.chain == chain)
                .order_by(AuditEntry.seq, ascending=False)
                .first()
            )
            seq, prev_hash = (head["seq"], head["hash"]) if head else (0, GENESIS)
            records: list[AuditRecord] = []
            for entry in entries:
                seq += 1
                data = canonical_data(entry.data)
                occurred_at = entry.occurred_at.astimezone(UTC)
                digest = seal(
                    chain=chain,
                    seq=seq,
                    prev_hash=prev_hash,
                    occurred_at=occurred_at,
                    actor=entry.actor,
                    action=entry.action,
                    subject=entry.subject,
                    data=data,
                )
                records.append(
                    AuditRecord(
                        chain=chain,
                        seq=seq,
                        occurred_at=occurred_at,
                        actor=entry.actor,
                        action=entry.action,
                        subject=entry.subject,
                        data=data,
                        prev_hash=prev_hash,
                        hash=digest,
                    )
                )
                prev_hash = digest
            if self._engine.engine_type == "postgres":
                # One statement over column arrays: piccolo's multi-row insert costs ~100 µs of CPU a
                # row, which the batched verification audit (backend.code.tasks) can't afford.
                await AuditEntry.raw(
                    _INSERT_ARRAYS,
                    *([getattr(r, column) for r in records] for column in _COLUMNS),
                )
            else:
                await AuditEntry.insert(
                    *(AuditEntry(**{column: getattr(r, column) for column in _COLUMNS}) for r in records)
                )
        return records

    async def scan(self, chain: str, *, after_seq: int, limit: int) -> list[AuditRecord]:
        rows = (
            await AuditEntry.select(
                AuditEntry.chain,
                AuditEntry.seq,
                AuditEntry.occurred_at,
                AuditEntry.actor,
                AuditEntry.action,
                AuditEntry.subject,
                AuditEntry.data,
                AuditEntry.prev_hash,
                AuditEntry.hash,
            )
            .where((AuditEntry.chain == chain) & (AuditEntry.seq > after_seq))
            .order_by(AuditEntry.seq)
            .limit(limit)
        )
        return [AuditRecord(**{**row, "occurred_at": as_utc(row["occurred_at"])}) for row in rows]

    async def chains(self) -> list[str]:
        rows = await AuditEntry.select(AuditEntry.chain).distinct()
        return sorted(row["chain"] for row in rows)
