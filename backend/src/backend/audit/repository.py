from __future__ import annotations

from datetime import UTC, datetime

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

    async def entry(self, chain: str, seq: int) -> AuditRecord | None:
        found = await self.scan(chain, after_seq=seq - 1, limit=1)
        return found[0] if found and found[0].seq == seq else None

    async def of_subject(self, chain: str, subject: str, *, limit: int) -> list[AuditRecord]:
        """The chain's entries about ``subject``, oldest first (index ``audit_entry_chain_subject``)."""
        rows = (
            await AuditEntry.select(*(getattr(AuditEntry, c) for c in _COLUMNS))
            .where((AuditEntry.chain == chain) & (AuditEntry.subject == subject))
            .order_by(AuditEntry.seq)
            .limit(limit)
        )
        return [AuditRecord(**{**row, "occurred_at": as_utc(row["occurred_at"])}) for row in rows]

    async def latest(self, chain: str, *, before_seq: int | None, limit: int) -> list[AuditRecord]:
        """The chain's entries newest first, below ``before_seq`` when given (the (chain, seq) index)."""
        below = AuditEntry.seq < (before_seq if before_seq is not None else 2**62)
        rows = (
            await AuditEntry.select(*(getattr(AuditEntry, c) for c in _COLUMNS))
            .where((AuditEntry.chain == chain) & below)
            .order_by(AuditEntry.seq, ascending=False)
            .limit(limit)
        )
        return [AuditRecord(**{**row, "occurred_at": as_utc(row["occurred_at"])}) for row in rows]

    async def hashes(self, chain: str, *, first_seq: int, last_seq: int) -> list[str]:
        """The hashes of entries ``first_seq..last_seq`` in order."""
        rows = (
            await AuditEntry.select(AuditEntry.hash)
            .where((AuditEntry.chain == chain) & (AuditEntry.seq >= first_seq) & (AuditEntry.seq <= last_seq))
            .order_by(AuditEntry.seq)
        )
        return [row["hash"] for row in rows]

    async def last_seq_before(self, chain: str, moment: datetime) -> int:
        """The highest sequence number whose entry occurred before ``moment`` (0: none). Walks back
        from the head on the (chain, seq) index: as far as the entries since ``moment``."""
        row = (
            await AuditEntry.select(AuditEntry.seq)
            .where((AuditEntry.chain == chain) & (AuditEntry.occurred_at < moment))
            .order_by(AuditEntry.seq, ascending=False)
            .first()
        )
        return int(row["seq"]) if row else 0

    async def first_at(self, chain: str) -> datetime | None:
        row = (
            await AuditEntry.select(AuditEntry.occurred_at)
            .where((AuditEntry.chain == chain) & (AuditEntry.seq == 1))
            .first()
        )
        return as_utc(row["occurred_at"]) if row else None

    async def chains(self) -> list[str]:
        rows = await AuditEntry.select(AuditEntry.chain).distinct()
        return sorted(row["chain"] for row in rows)
