"""Evidence over HTTP: signed daily roots and inclusion proofs."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec

from backend.evidence.repository import RootRow
from backend.evidence.service import Proof
from backend.fields import doc


class RootRead(msgspec.Struct, frozen=True, kw_only=True):
    """A sealed day of one chain. ``token`` is the signed statement (compact JWS, ES256, ``typ``
    ``evidence-root+jwt``, key at ``/api/v1/evidence/keys``) of the other fields."""

    chain: Annotated[
        str, doc("The audit chain the day belongs to: `application`, `payment` or `catalogue`", "application")
    ]
    day: dt.date
    first_seq: Annotated[int, doc("The first entry of the day in the chain (its `seq`)", 10231)]
    last_seq: Annotated[int, doc("The last entry of the day", 10987)]
    size: Annotated[int, doc("How many entries (leaves) the day's Merkle tree has", 757)]
    merkle_root: Annotated[
        str,
        doc(
            "The root of the day's Merkle tree (RFC 9162, SHA-256), hex",
            "5d41402abc4b2a76b9719d911017c592a1b2c3d4e5f60718293a4b5c6d7e8f90",
        ),
    ]
    head_hash: Annotated[
        str,
        doc(
            "The chain's hash after the day's last entry (its `hash`), hex: ties the day to the whole chain",
            "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae",
        ),
    ]
    token: Annotated[
        str,
        doc(
            "The signed statement of the other fields: a compact JWS (ES256, `typ` "
            "`evidence-root+jwt`), verified with the keys at `/api/v1/evidence/keys`",
            "eyJhbGciOiJFUzI1NiIsInR5cCI6ImV2aWRlbmNlLXJvb3Qrand0In0.eyJjaGFpbiI6ImFwcGxpY2F0aW9uIn0.MEUCIQ…",
        ),
    ]
    signed_at: dt.datetime


class RootPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[RootRead]
    # Pass as ``before`` for the next (older) page; absent on the last.
    next_before: Annotated[
        dt.date | None,
        doc("Pass as `before` for the next (older) page (YYYY-MM-DD); null on the last", "2026-11-30"),
    ] = None


class EntryRead(msgspec.Struct, frozen=True, kw_only=True):
    """An audit entry as stored: ``hash`` = SHA-256(prev_hash ‖ "\\n" ‖ JSON [chain, seq, occurred_at as
    UTC epoch seconds with 6 decimals, actor, action, subject, data]) — ``data`` is the stored JSON text."""

    chain: Annotated[str, doc("The audit chain the entry belongs to", "application")]
    seq: Annotated[int, doc("The entry's number in its chain, from 1, without gaps", 10240)]
    occurred_at: dt.datetime
    actor: Annotated[
        str,
        doc(
            "Who acted: `<kind>:<id>` of the signed-in caller (`citizen:…`, "
            "`staff:…`, `device:…`), or `system`, with `@organisation:<id>` when "
            "acting for an organisation",
            "citizen:0f8fad5b-d9cb-469f-a165-70867728950e",
        ),
    ]
    action: Annotated[str, doc("What was done, as `<feature>.<verb>`", "application.submitted")]
    subject: Annotated[
        str, doc("What it was done to, as `<kind>:<id>`", "application:7d444840-9dc0-11d1-b245-5ffdce74fad2")
    ]
    data: Annotated[
        str,
        doc(
            "The entry's details, as the stored JSON text (hash it as it is, don't re-serialise)",
            '{"item_code":"SQ-GA-0001","version":3}',
        ),
    ]
    prev_hash: Annotated[
        str,
        doc(
            "The hash of the chain's previous entry, hex (64 zeros for the first)",
            "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae",
        ),
    ]
    hash: Annotated[
        str,
        doc(
            "SHA-256 (hex) of `prev_hash`, a newline and the JSON array [chain, seq, "
            "occurred_at as UTC epoch seconds with 6 decimals, actor, action, "
            "subject, data]",
            "fcde2b2edba56bf408601fb721fe9b5c338d10ee429ea04fae5511b68fbf8fb9",
        ),
    ]


class ProofRead(msgspec.Struct, frozen=True, kw_only=True):
    """``entry`` and, once its day is sealed, its RFC 9162 inclusion proof: leaf data = the entry's
    hash (32 bytes), ``index`` in the day's tree of ``root.size`` leaves, ``path`` (hex) to
    ``root.merkle_root``. ``root`` is null until the day is sealed (after midnight, Beijing)."""

    entry: EntryRead
    root: RootRead | None
    index: Annotated[
        int | None, doc("The entry's leaf index in its day's tree (from 0); null until the day is sealed", 9)
    ] = None
    path: Annotated[
        list[str],
        doc(
            "The inclusion proof (RFC 9162): sibling hashes (hex) from the leaf up to "
            "`root.merkle_root`; empty until sealed",
            ["a3f1…", "9c0b…"],
        ),
    ] = msgspec.field(default_factory=list)


class ProofList(msgspec.Struct, frozen=True, kw_only=True):
    items: list[ProofRead]


class Sealed(msgspec.Struct, frozen=True, kw_only=True):
    sealed: Annotated[int, doc("How many days were sealed now", 1)]


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
