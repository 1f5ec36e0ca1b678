"""Evidence over HTTP: signed daily roots and inclusion proofs."""

from __future__ import annotations

import datetime as dt

import msgspec

from backend.evidence.repository import RootRow
from backend.evidence.service import Proof


class RootRead(msgspec.Struct, frozen=True, kw_only=True):
    """A sealed day of one chain. ``token`` is the signed statement (compact JWS, ES256, ``typ``
    ``evidence-root+jwt``, key at ``/api/v1/evidence/keys``) of the other fields."""

    chain: str
    day: dt.date
    first_seq: int
    last_seq: int
    size: int
    merkle_root: str
    head_hash: str
    token: str
    signed_at: dt.datetime


class RootPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[RootRead]
    # Pass as ``before`` for the next (older) page; absent on the last.
    next_before: dt.date | None = None


class EntryRead(msgspec.Struct, frozen=True, kw_only=True):
    """An audit entry as stored: ``hash`` = SHA-256(prev_hash ‖ "\\n" ‖ JSON [chain, seq, occurred_at as
    UTC epoch seconds with 6 decimals, actor, action, subject, data]) — ``data`` is the stored JSON text."""

    chain: str
    seq: int
    occurred_at: dt.datetime
    actor: str
    action: str
    subject: str
    data: str
    prev_hash: str
    hash: str


class ProofRead(msgspec.Struct, frozen=True, kw_only=True):
    """``entry`` and, once its day is sealed, its RFC 9162 inclusion proof: leaf data = the entry's
    hash (32 bytes), ``index`` in the day's tree of ``root.size`` leaves, ``path`` (hex) to
    ``root.merkle_root``. ``root`` is null until the day is sealed (after midnight, Beijing)."""

    entry: EntryRead
    root: RootRead | None
    index: int | None = None
    path: list[str] = msgspec.field(default_factory=list)


class ProofList(msgspec.Struct, frozen=True, kw_only=True):
    items: list[ProofRead]


class Sealed(msgspec.Struct, frozen=True, kw_only=True):
    sealed: int


def root_read(row: RootRow) -> RootRead:
    return RootRead(
        chain=row.chain,
        day=row.day,
        first_seq=row.first_seq,
        last_seq=row.last_seq,
        size=row.size,
        merkle_root=row.merkle_root,
        head_hash=row.head_hash,
        token=row.token,
        signed_at=row.signed_at,
    )


def proof_read(proof: Proof) -> ProofRead:
    e = proof.entry
    entry = EntryRead(
        chain=e.chain,
        seq=e.seq,
        occurred_at=e.occurred_at,
        actor=e.actor,
        action=e.action,
        subject=e.subject,
        data=e.data,
        prev_hash=e.prev_hash,
        hash=e.hash,
    )
    root = None if proof.root is None else root_read(proof.root)
    return ProofRead(entry=entry, root=root, index=proof.index, path=proof.path)
