"""How an audit row is sealed: canonical bytes and the SHA-256 link to the row before it."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

import msgspec

GENESIS = "0" * 64


class NewEntry(msgspec.Struct, frozen=True, kw_only=True):
    occurred_at: datetime
    actor: str
    action: str
    subject: str
    # Facts about the event; never a full ID number, phone or secret (mask before you audit).
    data: dict[str, Any] = msgspec.field(default_factory=dict)


class AuditRecord(msgspec.Struct, frozen=True, kw_only=True):
    chain: str
    seq: int
    occurred_at: datetime
    actor: str
    action: str
    subject: str
    data: str
    prev_hash: str
    hash: str


_encoder = msgspec.json.Encoder(order="sorted")


def canonical_data(data: dict[str, Any]) -> str:
    return _encoder.encode(data).decode()


def seal(
    *,
    chain: str,
    seq: int,
    prev_hash: str,
    occurred_at: datetime,
    actor: str,
    action: str,
    subject: str,
    data: str,
) -> str:
    """SHA-256 over the previous hash and a canonical JSON array of every other column.

    Timestamps are normalised to UTC microseconds, because PostgreSQL and SQLite hand them back in
    different shapes and the seal must not depend on the database that stored the row.
    """
    stamp = occurred_at.timestamp()
    body = _encoder.encode([chain, seq, f"{stamp:.6f}", actor, action, subject, data])
    return hashlib.sha256(prev_hash.encode() + b"\n" + body).hexdigest()


def verify_link(record: AuditRecord, prev_hash: str) -> bool:
    return record.prev_hash == prev_hash and record.hash == seal(
        chain=record.chain,
        seq=record.seq,
        prev_hash=record.prev_hash,
        occurred_at=record.occurred_at,
        actor=record.actor,
        action=record.action,
        subject=record.subject,
        data=record.data,
    )
