"""POST /api/v1/scanner/verify: one answer per denial reason, the scene policy, city-wide single use,
per-scene pseudonyms, device-token rules, and the audit trail of every verification."""

from __future__ import annotations

import secrets
import time

import httpx
import pytest

from backend.audit.tables import AuditEntry
from backend.code.scanning import REPLAY_PREFIX
from citizen_code import DeviceKey, IssuerKey, Status, issue_code, issue_holder_credential, sign_frame
from tests.backend.code.factories import (
    active_key,
    code_id_of,
    issued_code,
    make_citizen,
    make_scanner,
    verify,
)
from tests.backend.staff.factories import bearer, operator_principal, staff_token
from tests.services import Services


async def _signed(
    services: Services, *, code_id: str, now: int, key: IssuerKey | None = None, **kw: object
) -> str:
    return issue_code(
        key or await active_key(services),
        issuer=services.code_settings.issuer,
        subject=code_id,
        now=now,
        **kw,  # type: ignore[arg-type]
    )


async def test_a_fresh_code_passes_with_a_scene_pseudonym(
    client: httpx.AsyncClient, services: Services
) -> None:
    citizen, scanner = await make_citizen(services), await make_scanner(services, scene="library")
    answer = await verify(client, scanner, await issued_code(client, citizen))
    assert answer["decision"] == "pass"
    assert answer["reason"] == "ok"
    assert answer["scene"] == "library"
    pseudonym = answer["pseudonym"]
    assert isinstance(pseudonym, str)
    assert len(pseudonym) == 16
    assert pseudonym != await code_id_of(services, citizen)


async def test_pseudonym_is_stable_within_a_scene_and_differs_across_scenes(
    client: httpx.AsyncClient, services: Services
) -> None:
    citizen = await make_citizen(services)
    library, other_library = await make_scanner(services, scene="library"), await make_scanner(services)
    bus = await make_scanner(services, scene="bus")
    at_library = await verify(client, library, await issued_code(client, citizen))
    again = await verify(client, other_library, await issued_code(client, citizen))
    on_bus = await verify(client, bus, await issued_code(client, citizen))
    assert at_library["pseudonym"] == again["pseudonym"]
    assert at_library["pseudonym"] != on_bus["pseudonym"]


async def test_a_code_passes_once_citywide_and_is_replayed_at_any_other_scanner(
    client: httpx.AsyncClient, services: Services
) -> None:
    citizen = await make_citizen(services)
    first, second = await make_scanner(services), await make_scanner(services, scene="bus")
    code = await issued_code(client, citizen)
    assert (await verify(client, first, code))["decision"] == "pass"
    again = await verify(client, first, code)
    elsewhere = await verify(client, second, code)
    assert (again["decision"], again["reason"]) == ("deny", "replayed")
    assert (elsewhere["decision"], elsewhere["reason"]) == ("deny", "replayed")


async def test_replay_claim_lives_as_long_as_the_code(client: httpx.AsyncClient, services: Services) -> None:
    citizen, scanner = await make_citizen(services), await make_scanner(services)
    # Backdated at most 15 s: the session's issuer key is young, and codes dated before a key was
    # published are refused (not_yet_valid).
    now, cti = int(time.time()), secrets.token_bytes(8)
    code_id = await code_id_of(services, citizen)
    code = await _signed(services, code_id=code_id, now=now - 10, ttl=20, cti=cti)
    assert (await verify(client, scanner, code))["decision"] == "pass"
    remaining = await services.store.ttl(REPLAY_PREFIX + "o:" + cti.hex())
    # The code had 10 s left (11 with the second it was verified in); the claim must not outlive it.
    assert remaining is not None
    assert 0 < remaining <= 11


@pytest.mark.parametrize(
    ("offset", "ttl", "reason"),
    [(-14, 4, "expired"), (120, 60, "not_yet_valid")],
)
async def test_codes_outside_their_validity_are_denied_with_their_reason(
    client: httpx.AsyncClient, services: Services, offset: int, ttl: int, reason: str
) -> None:
    citizen, scanner = await make_citizen(services), await make_scanner(services)
    code_id = await code_id_of(services, citizen)
    code = await _signed(services, code_id=code_id, now=int(time.time()) + offset, ttl=ttl)
    answer = await verify(client, scanner, code)
    assert (answer["decision"], answer["reason"]) == ("deny", reason)
    assert answer["pseudonym"] is not None  # the signature verified: the scanner may know who it was


async def test_tampered_code_is_denied_as_bad_signature_without_a_pseudonym(
    client: httpx.AsyncClient, services: Services
) -> None:
    citizen, scanner = await make_citizen(services), await make_scanner(services)
    code = await issued_code(client, citizen)
    # Flip one Base45 character inside the signature (the last 64 bytes ≈ the last 96 characters).
    position = len(code) - 20
    tampered = code[:position] + ("0" if code[position] != "0" else "1") + code[position + 1 :]
    answer = await verify(client, scanner, tampered)
    assert (answer["decision"], answer["reason"], answer["pseudonym"]) == ("deny", "bad_signature", None)


async def test_code_of_an_unknown_key_is_denied_as_unknown_kid(
    client: httpx.AsyncClient, services: Services
) -> None:
    citizen, scanner = await make_citizen(services), await make_scanner(services)
    code_id = await code_id_of(services, citizen)
    forged = await _signed(services, code_id=code_id, now=int(time.time()), key=IssuerKey.generate())
    answer = await verify(client, scanner, forged)
    assert (answer["decision"], answer["reason"]) == ("deny", "unknown_kid")


@pytest.mark.parametrize("text", ["", "SQ1:", "SQ1:%%%", "HC1:NCFOXN", "SQ1:" + "0" * 1100])
async def test_garbage_is_denied_as_malformed_or_refused(
    client: httpx.AsyncClient, services: Services, text: str
) -> None:
    scanner = await make_scanner(services)
    response = await client.post("/api/v1/scanner/verify", json={"code": text}, headers=scanner.headers)
    if not 0 < len(text) <= 1200:
        assert response.status_code == 400
        return
    assert response.status_code == 200, response.text
    assert (response.json()["decision"], response.json()["reason"]) == ("deny", "malformed")


@pytest.mark.parametrize(
    ("scene", "decision"),
    [
        ("library", "pass"),
        ("bus", "pass"),
        ("hospital", "pass"),
        ("residential_compound", "deny"),
        ("factory", "deny"),
    ],
)
async def test_restricted_citizen_passes_public_services_but_not_guarded_places(
    client: httpx.AsyncClient, services: Services, scene: str, decision: str
) -> None:
    citizen, scanner = await make_citizen(services), await make_scanner(services, scene=scene)  # type: ignore[arg-type]
    code_id = await code_id_of(services, citizen)
    code = await _signed(services, code_id=code_id, now=int(time.time()), status=Status.RESTRICTED)
    answer = await verify(client, scanner, code)
    assert answer["decision"] == decision
    assert answer["reason"] == ("ok" if decision == "pass" else "restricted")


async def test_code_denied_by_scene_policy_is_not_used_up(
    client: httpx.AsyncClient, services: Services
) -> None:
    citizen = await make_citizen(services)
    factory, library = await make_scanner(services, scene="factory"), await make_scanner(services)
    code_id = await code_id_of(services, citizen)
    code = await _signed(services, code_id=code_id, now=int(time.time()), status=Status.RESTRICTED)
    assert (await verify(client, factory, code))["reason"] == "restricted"
    assert (await verify(client, library, code))["decision"] == "pass"


async def test_device_frame_passes_once_online(client: httpx.AsyncClient, services: Services) -> None:
    citizen, scanner = await make_citizen(services), await make_scanner(services)
    phone = DeviceKey.generate()
    now = int(time.time())
    credential = issue_holder_credential(
        await active_key(services),
        issuer=services.code_settings.issuer,
        subject=await code_id_of(services, citizen),
        device_public_key=phone.public_key,
        now=now,
    )
    frame = sign_frame(phone, credential, now=now)
    assert (await verify(client, scanner, frame))["decision"] == "pass"
    assert (await verify(client, scanner, frame))["reason"] == "replayed"
    stale = sign_frame(phone, credential, now=now - 120)
    assert (await verify(client, scanner, stale))["reason"] == "expired"


async def test_verify_takes_only_scanner_device_tokens(
    client: httpx.AsyncClient, app: object, services: Services
) -> None:
    citizen = await make_citizen(services)
    code = await issued_code(client, citizen)
    as_citizen = await client.post("/api/v1/scanner/verify", json={"code": code}, headers=citizen.headers)
    assert as_citizen.status_code == 403
    assert as_citizen.json()["code"] == "auth.wrong_principal_kind"
    operator = bearer(await staff_token(app, services, role="operator"))  # type: ignore[arg-type]
    as_staff = await client.post("/api/v1/scanner/verify", json={"code": code}, headers=operator)
    assert as_staff.status_code == 403
    anonymous = await client.post("/api/v1/scanner/verify", json={"code": code})
    assert anonymous.status_code == 401


async def test_revoked_scanner_is_refused_and_does_not_use_up_the_code(
    client: httpx.AsyncClient, services: Services
) -> None:
    citizen, revoked, live = (
        await make_citizen(services),
        await make_scanner(services),
        await make_scanner(services),
    )
    await services.scanner.revoke(revoked.id, by=operator_principal())
    code = await issued_code(client, citizen)
    refused = await client.post("/api/v1/scanner/verify", json={"code": code}, headers=revoked.headers)
    assert refused.status_code == 401
    assert refused.json()["code"] == "auth.token_revoked"
    assert (await verify(client, live, code))["decision"] == "pass"


async def test_every_verification_is_audited_on_the_code_chain(
    client: httpx.AsyncClient, services: Services
) -> None:
    citizen, scanner = await make_citizen(services), await make_scanner(services, scene="bus")
    code = await issued_code(client, citizen)
    await verify(client, scanner, code)
    await verify(client, scanner, code)
    await services.code_audit.flush()
    rows = (
        await AuditEntry.select(AuditEntry.action, AuditEntry.subject, AuditEntry.data)
        .where((AuditEntry.chain == "code") & (AuditEntry.actor == f"device:{scanner.id}"))
        .order_by(AuditEntry.seq)
    )
    assert [r["action"] for r in rows] == ["code.verified", "code.verified"]
    assert {r["subject"] for r in rows} == {f"code:{await code_id_of(services, citizen)}"}
    assert ['"pass"' in r["data"] for r in rows] == [True, False]
    assert all(code not in r["data"] for r in rows)
    assert (await services.audit.verify("code")).intact
