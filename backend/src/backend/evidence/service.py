"""Sealing days of the audit chains and proving an entry is in a sealed day.

Every day (Beijing time), once it has ended and ``grace_seconds`` passed, each evidence chain's
entries of that day — the contiguous run after the previous sealed day up to the last entry that
occurred before midnight — are sealed: their RFC 9162 Merkle root and the chain's head hash after
them, signed (ES256 JWS, ``typ`` ``evidence-root+jwt``) and published. Anyone holding an entry (a
department holding a submission's digest) checks it with the entry's inclusion proof: the entry's
hash recomputed (ADR 3), its path to the day's root, the root's signature against our published keys.
The head hash chains the days: a day's first entry links to the previous day's head.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any

import msgspec

from backend.audit.chain import AuditRecord
from backend.audit.service import AuditLog
from backend.clock import Clock
from backend.evidence import merkle
from backend.evidence.errors import EntryNotFound, RootNotFound
from backend.evidence.keys import EvidenceKeys
from backend.evidence.repository import EvidenceRepository, RootRow
from backend.evidence.settings import EvidenceSettings

BEIJING = dt.timezone(dt.timedelta(hours=8))
GENESIS = "0" * 64
TYP = "evidence-root+jwt"


class Proof(msgspec.Struct, frozen=True, kw_only=True):
    """An entry and, once its day is sealed, where it sits in the day's tree."""

    entry: AuditRecord
    root: RootRow | None
    index: int | None = None
    path: list[str] = msgspec.field(default_factory=list)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def day_end(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), BEIJING)


class EvidenceService:
    def __init__(
        self,
        *,
        repository: EvidenceRepository,
        keys: EvidenceKeys,
        audit: AuditLog,
        settings: EvidenceSettings,
        clock: Clock,
    ) -> None:
        self._repository = repository
        self._keys = keys
        self._audit = audit
        self.settings = settings
        self._clock = clock

    async def seal_due(self) -> int:
        """Seal every ended day not sealed yet, per chain (at most ``catch_up_days`` each); how many."""
        sealed = 0
        for chain in self.settings.chains:
            sealed += await self._seal_chain(chain)
        return sealed

    async def _seal_chain(self, chain: str) -> int:
        last = await self._repository.last_root(chain)
        if last is None:
            first = await self._audit.first_at(chain)
            if first is None:
                return 0  # nothing ever happened on it: nothing to seal yet
            day, last_seq, head = first.astimezone(BEIJING).date(), 0, GENESIS
        else:
            day, last_seq, head = last.day + dt.timedelta(days=1), last.last_seq, last.head_hash
        now, sealed = self._clock.now(), 0
        grace = dt.timedelta(seconds=self.settings.grace_seconds)
        while day_end(day) + grace <= now and sealed < self.settings.catch_up_days:
            upto = max(last_seq, await self._audit.last_seq_before(chain, day_end(day)))
            hashes = await self._audit.hashes(chain, first_seq=last_seq + 1, last_seq=upto)
            if len(hashes) != upto - last_seq:
                raise RuntimeError(f"audit chain {chain} has a gap in {last_seq + 1}..{upto}")
            row = await self._signed(chain, day, last_seq + 1, upto, hashes, hashes[-1] if hashes else head)
            if not await self._repository.insert_root(row):
                return sealed  # another worker sealed it: it carries on from there
            sealed, day, last_seq, head = sealed + 1, day + dt.timedelta(days=1), upto, row.head_hash
        return sealed

    async def _signed(
        self, chain: str, day: dt.date, first_seq: int, last_seq: int, hashes: list[str], head: str
    ) -> RootRow:
        now = self._clock.now()
        tree_root = merkle.root([bytes.fromhex(h) for h in hashes]).hex()
        claims: dict[str, Any] = {
            "iss": self.settings.issuer,
            "iat": int(now.timestamp()),
            "chain": chain,
            "day": day.isoformat(),
            "first_seq": first_seq,
            "last_seq": last_seq,
            "size": len(hashes),
            "merkle_root": tree_root,
            "head_hash": head,
        }
        key = await self._keys.signing(now=now)
        header = {"alg": "ES256", "kid": key.kid, "typ": TYP}
        signing_input = _b64(json.dumps(header).encode()) + "." + _b64(json.dumps(claims).encode())
        token = signing_input + "." + _b64(key.sign(signing_input.encode()))
        return RootRow(
            chain=chain,
            day=day,
            first_seq=first_seq,
            last_seq=last_seq,
            size=len(hashes),
            merkle_root=tree_root,
            head_hash=head,
            token=token,
            signed_at=now,
        )

    def _chain(self, chain: str) -> str:
        if chain not in self.settings.chains:
            raise RootNotFound()
        return chain

    async def root(self, chain: str, day: dt.date) -> RootRow:
        found = await self._repository.root(self._chain(chain), day)
        if found is None:
            raise RootNotFound()
        return found

    async def roots(self, chain: str, *, before: dt.date | None, limit: int) -> list[RootRow]:
        return await self._repository.page(self._chain(chain), before=before, limit=limit)

    async def jwks(self) -> dict[str, list[dict[str, str]]]:
        return await self._keys.jwks(now=self._clock.now())

    async def proof(self, chain: str, seq: int) -> Proof:
        if chain not in self.settings.chains or not 1 <= seq < 2**63:
            raise EntryNotFound()
        entry = await self._audit.entry(chain, seq)
        if entry is None:
            raise EntryNotFound()
        return await self._proof(entry)

    async def proofs_of(self, chain: str, subject: str) -> list[Proof]:
        """Every entry of ``chain`` about ``subject`` (``application:<id>``) with its proof."""
        return [
            await self._proof(entry) for entry in await self._audit.of_subject(self._chain(chain), subject)
        ]

    async def _proof(self, entry: AuditRecord) -> Proof:
        root = await self._repository.covering(entry.chain, entry.seq)
        if root is None:
            return Proof(entry=entry, root=None)  # its day is not sealed yet
        hashes = await self._audit.hashes(entry.chain, first_seq=root.first_seq, last_seq=root.last_seq)
        index = entry.seq - root.first_seq
        path = merkle.inclusion_path([bytes.fromhex(h) for h in hashes], index)
        return Proof(entry=entry, root=root, index=index, path=[p.hex() for p in path])
