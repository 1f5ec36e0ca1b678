"""Offline verification with only what the API publishes: the anchor (provisioned once), the signed
trust list and the revocation feed. Every denial reason is distinct, and the device-bound path
verifies with the network cut."""

from __future__ import annotations

import socket
import time

import httpx
import pytest

from citizen_code import DeviceKey, IssuerKey, MemoryReplayCache, Verifier, issue_code, sign_frame
from tests.backend.code.factories import (
    active_key,
    code_id_of,
    enrol,
    fetch_trust,
    holder_credential,
    issued_code,
    make_citizen,
    make_scanner,
    offline_verifier,
)
from tests.backend.staff.factories import operator_principal
from tests.services import Services


async def test_each_denial_has_its_own_reason_offline(client: httpx.AsyncClient, services: Services) -> None:
    citizen = await make_citizen(services)
    code_id, key, issuer = (
        await code_id_of(services, citizen),
        await active_key(services),
        services.code_settings.issuer,
    )
    now = int(time.time())
    verifier = await offline_verifier(client)
    good = await issued_code(client, citizen)
    tampered = good[:-20] + ("0" if good[-20] != "0" else "1") + good[-19:]
    assert verifier.verify(good, now=now).reason == "ok"
    assert verifier.verify(good, now=now).reason == "replayed"
    assert verifier.verify(tampered, now=now).reason == "bad_signature"
    assert (
        verifier.verify(issue_code(key, issuer=issuer, subject=code_id, now=now - 14, ttl=4), now=now).reason
        == "expired"
    )
    assert (
        verifier.verify(issue_code(key, issuer=issuer, subject=code_id, now=now + 120), now=now).reason
        == "not_yet_valid"
    )
    stranger = issue_code(IssuerKey.generate(), issuer=issuer, subject=code_id, now=now)
    assert verifier.verify(stranger, now=now).reason == "unknown_kid"


async def test_revoked_and_rotated_out_codes_are_denied_offline(
    client: httpx.AsyncClient, services: Services
) -> None:
    citizen, scanner = await make_citizen(services), await make_scanner(services)
    code_id, issuer = await code_id_of(services, citizen), services.code_settings.issuer
    old = await active_key(services)
    before = await issued_code(client, citizen)
    phone = DeviceKey.generate()
    enrolment = await enrol(client, citizen, phone)
    device_id = enrolment.json()["device"]["id"]
    credential = holder_credential(enrolment)
    await client.post(f"/api/v1/citizen-code/devices/{device_id}/revoke", headers=citizen.headers)
    await services.code.rotate_keys(by=operator_principal())
    now = int(time.time())
    verifier = await offline_verifier(client, scanner)
    assert verifier.verify(before, now=now).reason == "revoked"
    assert verifier.verify(sign_frame(phone, credential, now=now), now=now).reason == "revoked"
    leaked = issue_code(old, issuer=issuer, subject=code_id, now=now + 20)
    assert verifier.verify(leaked, now=now).reason == "key_retired"
    assert verifier.verify(await issued_code(client, citizen), now=now).reason == "ok"


async def test_device_frame_verifies_with_the_published_trust_list_and_no_network(
    client: httpx.AsyncClient, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    citizen, phone = await make_citizen(services), DeviceKey.generate()
    credential = holder_credential(await enrol(client, citizen, phone))
    trust_list, code_id = await fetch_trust(client), await code_id_of(services, citizen)
    now = int(time.time())
    frame = sign_frame(phone, credential, now=now)

    def no_network(*args: object, **kwargs: object) -> socket.socket:
        raise AssertionError("offline verification tried to open a socket")

    monkeypatch.setattr(socket, "socket", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    verifier = Verifier(trust_list, replay_cache=MemoryReplayCache())
    verdict = verifier.verify(frame, now=now)
    assert verdict.passed
    assert verdict.claims is not None
    assert verdict.claims.code_id == code_id
    assert verifier.verify(frame, now=now).reason == "replayed"
