"""The evidence feature's queries: sealed days and signing keys."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import msgspec

from backend.clock import as_utc
from backend.database import Repository
from backend.evidence.tables import EvidenceKey, EvidenceRoot


class RootRow(msgspec.Struct, frozen=True, kw_only=True):
    chain: str
    day: dt.date
    first_seq: int
    last_seq: int
    size: int
    merkle_root: str
    head_hash: str
    token: str
    signed_at: dt.datetime


class KeyRow(msgspec.Struct, frozen=True, kw_only=True):
    kid: str
    private_key: str
    public_jwk: str
    created_at: dt.datetime


_ROOT = (
    EvidenceRoot.chain,
    EvidenceRoot.day,
    EvidenceRoot.first_seq,
    EvidenceRoot.last_seq,
    EvidenceRoot.size,
    EvidenceRoot.merkle_root,
    EvidenceRoot.head_hash,
    EvidenceRoot.token,
    EvidenceRoot.signed_at,
)


def _root(raw: dict[str, Any]) -> RootRow:
    day = raw["day"]
    return RootRow(
        **{
            **raw,
            "day": dt.date.fromisoformat(day) if isinstance(day, str) else day,
            "signed_at": as_utc(raw["signed_at"]),
        }
    )


class EvidenceRepository(Repository):
    async def insert_root(self, row: RootRow) -> bool:
        """False when the day was sealed already (another worker): the unique (chain, day) decides."""
        inserted = await (
            EvidenceRoot.insert(EvidenceRoot(id=uuid.uuid4(), **msgspec.structs.asdict(row)))
            .on_conflict(action="DO NOTHING")
            .returning(EvidenceRoot.id)
        )
        return bool(inserted)

    async def last_root(self, chain: str) -> RootRow | None:
        raw = await (
            EvidenceRoot.select(*_ROOT)
            .where(EvidenceRoot.chain == chain)
            .order_by(EvidenceRoot.day, ascending=False)
            .first()
        )
        return None if raw is None else _root(raw)

    async def root(self, chain: str, day: dt.date) -> RootRow | None:
        raw = (
            await EvidenceRoot.select(*_ROOT)
            .where((EvidenceRoot.chain == chain) & (EvidenceRoot.day == day))
            .first()
        )
        return None if raw is None else _root(raw)

    async def covering(self, chain: str, seq: int) -> RootRow | None:
        """The sealed day that holds entry ``seq`` (an empty day holds none)."""
        raw = await (
            EvidenceRoot.select(*_ROOT)
            .where(
                (EvidenceRoot.chain == chain)
                & (EvidenceRoot.first_seq <= seq)
                & (EvidenceRoot.last_seq >= seq)
                & (EvidenceRoot.size > 0)
            )
            .first()
        )
        return None if raw is None else _root(raw)

    async def page(self, chain: str, *, before: dt.date | None, limit: int) -> list[RootRow]:
        query = EvidenceRoot.select(*_ROOT).where(EvidenceRoot.chain == chain)
        if before is not None:
            query = query.where(EvidenceRoot.day < before)
        rows = await query.order_by(EvidenceRoot.day, ascending=False).limit(limit)
        return [_root(raw) for raw in rows]

    async def keys(self) -> list[KeyRow]:
        rows = await EvidenceKey.select().order_by(EvidenceKey.created_at)
        return [msgspec.convert({**raw, "created_at": as_utc(raw["created_at"])}, KeyRow) for raw in rows]

    async def insert_key(self, row: KeyRow) -> None:
        await EvidenceKey.insert(EvidenceKey(**msgspec.structs.asdict(row))).on_conflict(action="DO NOTHING")
