"""Issuer keys and the trust list: persisted and sealed, published under the anchor, rotated on
schedule with overlap, and learned by every worker."""

from __future__ import annotations

import logging
import time

import httpx
import pytest
from litestar import Litestar

from backend.code.keys import IssuerKeys, schedule
from backend.code.settings import CodeSettings
from backend.code.tables import CodeKey
from backend.code.trust import CodeTrust
from backend.crypto import SealedValueCorrupt
from citizen_code import IssuerKey, KeyRing, issue_code
from tests.backend.code.factories import code_id_of, fetch_trust, make_citizen, make_scanner, verify
from tests.backend.staff.factories import bearer, operator_principal, staff_token
from tests.services import Services

DAY = 86_400
SETTINGS = CodeSettings()


def _worker(services: Services) -> tuple[IssuerKeys, CodeTrust]:
    """A second worker's view of the same database (what another granian process holds)."""
    other = services.rewired()
    return other.wiring.get(IssuerKeys), other.code_trust


@pytest.fixture(scope="module")
async def operator(app: Litestar, services: Services) -> dict[str, str]:
    return bearer(await staff_token(app, services, role="operator"))


async def test_trust_list_verifies_under_the_published_anchor_and_lists_the_active_key(
    client: httpx.AsyncClient, services: Services
) -> None:
    trust_list = await fetch_trust(client)
    material = await services.code.key_ring()
    assert trust_list.issuer == services.code_settings.issuer
    assert material.ring.active.kid in trust_list.keys
    anchor = (await client.get("/.well-known/citizen-code/anchor")).json()
    assert anchor["kid"] == material.anchor.kid.hex()
    assert anchor["alg"] == "ES256"
    assert "PRIVATE" not in anchor["public_key_pem"]


async def test_trust_list_is_served_as_cose_with_an_etag(client: httpx.AsyncClient) -> None:
    first = await client.get("/.well-known/citizen-code/trust-list")
    assert first.headers["content-type"].startswith("application/sq1-trust-list+cbor")
    assert first.content[:1] == b"\xd2"  # CBOR tag 18: COSE_Sign1
    unchanged = await client.get(
        "/.well-known/citizen-code/trust-list", headers={"if-none-match": first.headers["etag"]}
    )
    assert unchanged.status_code == 304
    assert unchanged.content == b""


async def test_private_keys_are_sealed_at_rest_and_bound_to_their_kid(services: Services) -> None:
    await services.code.key_ring()
    rows = await CodeKey.select(CodeKey.kid, CodeKey.purpose, CodeKey.private_key)
    assert {row["purpose"] for row in rows} == {"anchor", "issuer"}
    for row in rows:
        assert row["private_key"].startswith("v1.")
        assert "PRIVATE KEY" not in row["private_key"]
    first, second = rows[0], rows[1]
    with pytest.raises(SealedValueCorrupt):
        services.cipher.open_bytes(first["private_key"], column=f"code_key.private_key:{second['kid']}")


async def test_keys_survive_a_restart(services: Services) -> None:
    before = await services.code.key_ring()
    _, restarted = _worker(services)
    after = await restarted.material()
    assert after.anchor.kid == before.anchor.kid
    assert [e.key.kid for e in after.ring.entries] == [e.key.kid for e in before.ring.entries]
    assert after.ring.active.to_pem() == before.ring.active.to_pem()


async def test_key_material_never_reaches_the_log(
    services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    keys, _ = _worker(services)
    await keys.rotate_now(now=int(time.time()), actor="test")
    await services.code_trust.reload_keys()
    material = await services.code.key_ring()
    secrets = [e.key.to_pem().decode().splitlines()[1] for e in material.ring.entries]
    secrets.append(material.anchor.to_pem().decode().splitlines()[1])
    assert "trust list" in caplog.text
    for secret in secrets:
        assert secret not in caplog.text
    assert "PRIVATE KEY" not in caplog.text


def test_schedule_starts_stages_a_week_ahead_rotates_after_thirty_days_and_prunes() -> None:
    start = 1_000_000_000
    ring = schedule(None, now=start, settings=SETTINGS)
    first = ring.active
    assert schedule(ring, now=start + 22 * DAY, settings=SETTINGS) is not None
    assert schedule(ring, now=start + 22 * DAY, settings=SETTINGS).staged is None
    staged = schedule(ring, now=start + 23 * DAY, settings=SETTINGS)
    assert staged.staged is not None
    assert staged.active == first
    rotated = schedule(staged, now=start + 30 * DAY, settings=SETTINGS)
    assert rotated.active == staged.staged
    assert [e.key for e in rotated.entries if e.retired_at is not None] == [first]
    assert first.kid in {k.kid for k in rotated.trusted_keys()}
    pruned = schedule(rotated, now=start + 32 * DAY, settings=SETTINGS)
    assert first not in [e.key for e in pruned.entries]


def test_schedule_leaves_a_ring_alone_between_events() -> None:
    ring = KeyRing.start(IssuerKey.generate(), now=0)
    again = schedule(ring, now=DAY, settings=SETTINGS)
    assert [(e.key, e.activated_at, e.retired_at) for e in again.entries] == [
        (e.key, e.activated_at, e.retired_at) for e in ring.entries
    ]


async def test_rotation_overlaps_codes_of_the_old_key_pass_until_they_expire_and_later_ones_are_key_retired(
    client: httpx.AsyncClient, services: Services, operator: dict[str, str]
) -> None:
    citizen, scanner = await make_citizen(services), await make_scanner(services)
    code_id = await code_id_of(services, citizen)
    old = (await services.code.key_ring()).ring.active
    issuer = services.code_settings.issuer
    before = issue_code(old, issuer=issuer, subject=code_id, now=int(time.time()))
    rotated = await client.post("/api/v1/admin/citizen-code/keys/rotate", headers=operator)
    assert rotated.status_code == 200, rotated.text
    states = {k["kid"]: k["state"] for k in rotated.json()["items"]}
    assert states[old.kid.hex()] == "retired"
    assert list(states.values()).count("active") == 1
    assert (await verify(client, scanner, before))["decision"] == "pass"
    # A code the retired key signs after its retirement (a leaked key) is rotated out.
    after = issue_code(old, issuer=issuer, subject=code_id, now=int(time.time()) + 20)
    answer = await verify(client, scanner, after)
    assert (answer["decision"], answer["reason"]) == ("deny", "key_retired")
    fresh = await client.get("/api/v1/citizen-code", headers=citizen.headers)
    assert (await verify(client, scanner, fresh.json()["code"]))["decision"] == "pass"
    trust_list = await fetch_trust(client)
    assert old.kid in trust_list.keys
    assert trust_list.keys[old.kid].retired_at is not None


async def test_another_worker_learns_a_rotation_on_its_next_refresh(services: Services) -> None:
    _, other = _worker(services)
    seen = await other.material()
    kid = await services.code.rotate_keys(by=operator_principal())
    assert (await other.material()).seq == seen.seq
    await other.refresh()
    learned = await other.material()
    assert learned.seq > seen.seq
    assert learned.ring.active.kid.hex() == kid


async def test_key_administration_is_for_operators_only(
    client: httpx.AsyncClient, services: Services
) -> None:
    citizen = await make_citizen(services)
    assert (await client.get("/api/v1/admin/citizen-code/keys", headers=citizen.headers)).status_code == 403
    assert (await client.post("/api/v1/admin/citizen-code/keys/rotate")).status_code == 401


async def test_operators_see_the_ring_without_private_material(
    client: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    response = await client.get("/api/v1/admin/citizen-code/keys", headers=operator)
    assert response.status_code == 200
    body = response.json()
    assert body["trust_list_seq"] >= 1
    assert {"kid", "state", "published_at", "activated_at", "retired_at"} == set(body["items"][0])
