"""Evidence: each ended day of a chain sealed once and signed; any entry proven against its day's
root — checked here with hashlib and joserfc alone, as a department would."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import secrets
from typing import Any

import httpx
import joserfc.jwk
import joserfc.jws
import msgspec
import pytest

from backend.audit.repository import AuditRepository
from backend.audit.service import AuditLog
from backend.evidence.errors import EntryNotFound, RootNotFound
from backend.evidence.keys import EvidenceKeys
from backend.evidence.repository import EvidenceRepository
from backend.evidence.service import BEIJING, EvidenceService, Proof
from backend.evidence.settings import EvidenceSettings
from tests.backend.auth.clock import ManualClock
from tests.services import Services

DAY = dt.date(2026, 11, 20)


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), BEIJING)


def _service(services: Services, chain: str, clock: ManualClock) -> tuple[EvidenceService, AuditLog]:
    infra = services.wiring.infra
    repository = EvidenceRepository(infra.engine)
    audit = AuditLog(AuditRepository(infra.engine), clock)
    evidence = EvidenceService(
        repository=repository,
        keys=EvidenceKeys(repository=repository, cipher=infra.cipher, engine=infra.engine),
        audit=audit,
        settings=EvidenceSettings(chains=(chain,), grace_seconds=300),
        clock=clock,
    )
    return evidence, audit


def _chain() -> str:
    return "evt_" + "".join(secrets.choice("abcdefghij") for _ in range(10))


def _entry_hash(entry: Any) -> str:
    """ADR 3's seal, written out again from its text."""
    body = json.dumps(
        [entry.chain, entry.seq, f"{entry.occurred_at.timestamp():.6f}", entry.actor, entry.action,
         entry.subject, entry.data],
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode()  # fmt: skip
    return hashlib.sha256(entry.prev_hash.encode() + b"\n" + body).hexdigest()


def _independent_root(index: int, size: int, leaf: bytes, path: list[str]) -> str:
    """RFC 9162 §2.1.3.2 from its text, with hashlib."""

    def h(data: bytes) -> bytes:
        return hashlib.sha256(data).digest()

    fn, sn, r = index, size - 1, h(b"\x00" + leaf)
    for p in (bytes.fromhex(x) for x in path):
        if fn & 1 or fn == sn:
            r = h(b"\x01" + p + r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = h(b"\x01" + r + p)
        fn, sn = fn >> 1, sn >> 1
    assert sn == 0
    return r.hex()


def _check(proof: Proof, jwks: dict[str, Any]) -> dict[str, Any]:
    """What a department does with a proof: entry hash, path to the root, the root's signature."""
    assert proof.root is not None
    assert proof.index is not None
    assert _entry_hash(proof.entry) == proof.entry.hash
    leaf = bytes.fromhex(proof.entry.hash)
    assert _independent_root(proof.index, proof.root.size, leaf, proof.path) == proof.root.merkle_root
    key_set = joserfc.jwk.KeySet.import_key_set(jwks)  # type: ignore[arg-type]
    token = joserfc.jws.deserialize_compact(proof.root.token, key_set)
    assert token.headers()["typ"] == "evidence-root+jwt"
    claims: dict[str, Any] = json.loads(token.payload)
    assert claims["merkle_root"] == proof.root.merkle_root
    assert claims["head_hash"] == proof.root.head_hash
    assert (claims["first_seq"], claims["last_seq"]) == (proof.root.first_seq, proof.root.last_seq)
    return claims


async def test_ended_days_are_sealed_once_and_every_entry_proves_against_its_signed_root(
    services: Services,
) -> None:
    chain, clock = _chain(), ManualClock(_at(DAY, 9))
    evidence, audit = _service(services, chain, clock)
    for n in range(5):
        clock.set(_at(DAY, 9 + n))
        await audit.append(actor="citizen:a", action="application.submit", subject=f"application:{n}",
                           data={"data_digest": f"{n:064x}"}, chain=chain)  # fmt: skip
    clock.set(_at(DAY, 23, 59))
    await audit.append(actor="department:1", action="application.department", subject="application:1",
                       data={"decision_digest": "f" * 64}, chain=chain)  # fmt: skip
    # The next day's first entry, then a day with nothing, then the day after.
    clock.set(_at(DAY + dt.timedelta(days=1), 0, 1))
    await audit.append(actor="citizen:b", action="application.submit", subject="application:9", chain=chain)
    assert await evidence.seal_due() == 0  # the day ended a minute ago: within the grace
    clock.set(_at(DAY + dt.timedelta(days=3), 0, 10))
    # Two workers at once: one root per day, three ended days.
    assert sum(await asyncio.gather(evidence.seal_due(), evidence.seal_due())) == 3
    assert await evidence.seal_due() == 0
    first, second, empty = [await evidence.root(chain, DAY + dt.timedelta(days=d)) for d in range(3)]
    assert (first.first_seq, first.last_seq, first.size) == (1, 6, 6)
    assert (second.first_seq, second.last_seq, second.size) == (7, 7, 1)
    assert (empty.size, empty.head_hash) == (0, second.head_hash)  # the days chain through the heads
    assert empty.merkle_root == hashlib.sha256(b"").hexdigest()
    jwks = await evidence.jwks()
    for seq in range(1, 8):
        proof = await evidence.proof(chain, seq)
        claims = _check(proof, jwks)
        assert claims["day"] == (DAY if seq <= 6 else DAY + dt.timedelta(days=1)).isoformat()
    proofs = await evidence.proofs_of(chain, "application:1")
    assert [p.entry.action for p in proofs] == ["application.submit", "application.department"]
    # An entry altered after the fact no longer proves: its hash, or its place in the tree.
    proof = await evidence.proof(chain, 2)
    forged = msgspec.structs.replace(proof.entry, data=json.dumps({"data_digest": "0" * 64}))
    assert _entry_hash(forged) != proof.entry.hash
    with pytest.raises(AssertionError):
        _check(msgspec.structs.replace(proof, entry=forged), jwks)
    with pytest.raises(RootNotFound):
        await evidence.root(chain, DAY - dt.timedelta(days=1))
    for beyond in (0, 99, 2**63):
        with pytest.raises(EntryNotFound):
            await evidence.proof(chain, beyond)


async def test_todays_entries_are_listed_unsealed_until_the_day_ends(services: Services) -> None:
    chain, clock = _chain(), ManualClock(_at(DAY, 10))
    evidence, audit = _service(services, chain, clock)
    await audit.append(actor="citizen:a", action="application.submit", subject="application:x", chain=chain)
    (proof,) = await evidence.proofs_of(chain, "application:x")
    assert (proof.root, proof.index, proof.path) == (None, None, [])
    clock.set(
        _at(
            DAY + dt.timedelta(days=1),
            0,
            5,
        )
    )
    assert await evidence.seal_due() == 1
    (proof,) = await evidence.proofs_of(chain, "application:x")
    _check(proof, await evidence.jwks())


async def test_the_roots_and_keys_are_public_and_an_unknown_chain_or_day_is_404(
    client: httpx.AsyncClient,
) -> None:
    keys = await client.get("/api/v1/evidence/keys")
    assert keys.status_code == 200
    assert keys.json()["keys"][0]["crv"] == "P-256"
    missing = await client.get("/api/v1/evidence/roots/application/2001-01-01")
    assert (missing.status_code, missing.json()["code"]) == (404, "evidence.root_not_found")
    unknown = await client.get("/api/v1/evidence/roots/nochain")
    assert (unknown.status_code, unknown.json()["code"]) == (404, "evidence.root_not_found")
    listed = await client.get("/api/v1/evidence/roots/application")
    assert listed.status_code == 200
    assert "items" in listed.json()
