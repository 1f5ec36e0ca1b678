"""Append to and verify the hash-chained audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from backend.audit.chain import GENESIS, AuditRecord, NewEntry, verify_link
from backend.audit.repository import AuditRepository
from backend.clock import Clock


class ChainReport(msgspec.Struct, frozen=True, kw_only=True):
    chain: str
    intact: bool
    checked: int
    # The first row whose seal or link doesn't hold, or where a sequence number is missing.
    first_bad_seq: int | None = None


class AuditLog:
    """Writes state changes that matter; ``verify`` proves nobody edited, removed or reordered one."""

    def __init__(self, repository: AuditRepository, clock: Clock) -> None:
        self._repository = repository
        self._clock = clock

    async def append(
        self,
        *,
        actor: str,
        action: str,
        subject: str,
        data: dict[str, Any] | None = None,
        chain: str = "main",
    ) -> AuditRecord:
        entry = NewEntry(
            occurred_at=self._clock.now(),
            actor=actor,
            action=action,
            subject=subject,
            data=data or {},
        )
        (record,) = await self._repository.append(chain, [entry])
        return record

    async def append_many(self, chain: str, entries: list[NewEntry]) -> list[AuditRecord]:
        return await self._repository.append(chain, entries) if entries else []

    async def verify(self, chain: str = "main", *, batch: int = 1000) -> ChainReport:
        prev_hash, expected_seq, checked = GENESIS, 1, 0
        while True:
            records = await self._repository.scan(chain, after_seq=expected_seq - 1, limit=batch)
            if not records:
                return ChainReport(chain=chain, intact=True, checked=checked)
            for record in records:
                if record.seq != expected_seq or not verify_link(record, prev_hash):
                    return ChainReport(chain=chain, intact=False, checked=checked, first_bad_seq=expected_seq)
                prev_hash, expected_seq, checked = record.hash, expected_seq + 1, checked + 1

    async def entry(self, chain: str, seq: int) -> AuditRecord | None:
        return await self._repository.entry(chain, seq)

    async def of_subject(self, chain: str, subject: str, *, limit: int = 200) -> list[AuditRecord]:
        return await self._repository.of_subject(chain, subject, limit=limit)

    async def hashes(self, chain: str, *, first_seq: int, last_seq: int) -> list[str]:
        return await self._repository.hashes(chain, first_seq=first_seq, last_seq=last_seq)

    async def last_seq_before(self, chain: str, moment: datetime) -> int:
        return await self._repository.last_seq_before(chain, moment)

    async def first_at(self, chain: str) -> datetime | None:
        return await self._repository.first_at(chain)

    async def latest(
        self, chain: str, *, before_seq: int | None = None, limit: int = 50
    ) -> list[AuditRecord]:
        """The chain's entries, newest first (a page ends below ``before_seq``)."""
        return await self._repository.latest(chain, before_seq=before_seq, limit=limit)

    async def chains(self) -> list[str]:
        return await self._repository.chains()

    async def verify_all(self) -> list[ChainReport]:
        return [await self.verify(chain) for chain in await self._repository.chains()]
