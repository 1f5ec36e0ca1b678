"""POST /api/v1/scanner/scans: offline scan logs, stored once, with clones flagged across scanners."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

import httpx
from litestar import Litestar

from backend.audit.tables import AuditEntry
from backend.auth.principal import Principal
from backend.code.scans import Clone, OfflineScan
from backend.code.settings import CodeSettings
from backend.code.tables import CodeScan, CodeScanFlag
from citizen_code import DeviceKey, sign_frame
from tests.backend.code.factories import (
    Scanner,
    code_id_of,
    enrol,
    holder_credential,
    issued_code,
    make_citizen,
    make_scanner,
    verify,
)
from tests.backend.staff.factories import bearer, staff_token
from tests.services import Services


def _at(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat()


async def _upload(
    client: httpx.AsyncClient, scanner: Scanner, *scans: tuple[str, float]
) -> dict[str, object]:
    response = await client.post(
        "/api/v1/scanner/scans",
        json={"scans": [{"code": code, "scanned_at": _at(at)} for code, at in scans]},
        headers=scanner.headers,
    )
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


async def _phone(client: httpx.AsyncClient, services: Services) -> tuple[DeviceKey, bytes]:
    phone, credential, _ = await _phone_of(client, services)
    return phone, credential


async def _phone_of(client: httpx.AsyncClient, services: Services) -> tuple[DeviceKey, bytes, str]:
    citizen, phone = await make_citizen(services), DeviceKey.generate()
    credential = holder_credential(await enrol(client, citizen, phone))
    return phone, credential, await code_id_of(services, citizen)


async def test_a_clean_log_is_stored_without_flags(client: httpx.AsyncClient, services: Services) -> None:
    phone, credential = await _phone(client, services)
    gate = await make_scanner(services, scene="residential_compound")
    now = time.time()
    frames = [
        (sign_frame(phone, credential, now=int(now) - 10), now - 10),
        (sign_frame(phone, credential, now=int(now)), now),
    ]
    receipt = await _upload(client, gate, *frames)
    assert receipt == {"received": 2, "stored": 2, "flags": []}
    rows = await CodeScan.select(CodeScan.reason, CodeScan.replay_key).where(CodeScan.device_id == gate.id)
    assert [row["reason"] for row in rows] == ["ok", "ok"]
    assert all(row["replay_key"].startswith("f:") for row in rows)


async def test_re_uploading_a_log_stores_nothing_twice(client: httpx.AsyncClient, services: Services) -> None:
    phone, credential = await _phone(client, services)
    gate, now = await make_scanner(services), time.time()
    scan = (sign_frame(phone, credential, now=int(now)), now)
    assert (await _upload(client, gate, scan))["stored"] == 1
    again = await _upload(client, gate, scan, scan)
    assert (again["received"], again["stored"], again["flags"]) == (2, 0, [])


async def test_the_same_frame_at_two_scanners_is_flagged_for_the_later_upload(
    app: Litestar, client: httpx.AsyncClient, services: Services
) -> None:
    phone, credential, code_id = await _phone_of(client, services)
    east = await make_scanner(services, scene="factory", venue="east gate")
    west = await make_scanner(services, scene="factory", venue="west gate")
    now = time.time()
    screenshot = sign_frame(phone, credential, now=int(now))
    assert (await _upload(client, east, (screenshot, now)))["flags"] == []
    receipt = await _upload(client, west, (screenshot, now + 30))
    flags = receipt["flags"]
    assert isinstance(flags, list)
    kinds = sorted(flag["kind"] for flag in flags)
    # The very frame twice, and so also its credential at another venue within minutes.
    assert kinds == ["credential_cloned", "frame_reused"]
    frame_flag = next(flag for flag in flags if flag["kind"] == "frame_reused")
    assert (frame_flag["other_scene"], frame_flag["other_venue"]) == ("factory", "east gate")
    assert len(frame_flag["pseudonym"]) == 16
    west_scans = await CodeScan.select(CodeScan.id).where(CodeScan.device_id == west.id)
    stored = await CodeScanFlag.select(CodeScanFlag.kind, CodeScanFlag.code_id).where(
        CodeScanFlag.scan_id.is_in([row["id"] for row in west_scans])
    )
    assert sorted(row["kind"] for row in stored) == ["credential_cloned", "frame_reused"]
    # Stored by code id (for investigators), never by the scene pseudonym the scanner saw.
    assert {row["code_id"] for row in stored} == {code_id}
    audited = await AuditEntry.count().where(
        (AuditEntry.chain == "code")
        & (AuditEntry.action == "code.clone_flagged")
        & (AuditEntry.actor == f"device:{west.id}")
    )
    assert audited == 2
    # Operators read the same flags on the admin route (and the console's citizen-code screen).
    operator = bearer(await staff_token(app, services, role="operator"))
    listed = (await client.get("/api/v1/admin/citizen-code/clone-flags", headers=operator)).json()["items"]
    mine = [flag for flag in listed if flag["code_id"] == code_id]
    assert sorted(flag["kind"] for flag in mine) == ["credential_cloned", "frame_reused"]
    assert {(flag["venue"], flag["other_venue"]) for flag in mine} == {("west gate", "east gate")}
    refused = await client.get(
        "/api/v1/admin/citizen-code/clone-flags",
        headers=bearer(await staff_token(app, services, role="counter")),
    )
    assert (refused.status_code, refused.json()["code"]) == (403, "auth.missing_role")


async def test_one_credential_at_two_venues_within_the_window_is_flagged_but_further_apart_is_not(
    client: httpx.AsyncClient, services: Services
) -> None:
    # A 2 s window (instead of 120 s) keeps every scan inside the young session key's lifetime.
    uploads = services.rewired(CodeSettings(clone_window=2)).code_uploads
    phone, credential = await _phone(client, services)
    home, work = _device("residential_compound", "home"), _device("factory", "work")
    now = int(time.time())

    async def scan(device: Principal, at: int) -> list[Clone]:
        upload = OfflineScan(
            code=sign_frame(phone, credential, now=at), scanned_at=datetime.fromtimestamp(at, UTC)
        )
        return (await uploads.upload(device, [upload])).flags

    assert await scan(home, now - 10) == []
    assert await scan(work, now - 6) == []
    assert await scan(home, now - 2) == []
    flags = await scan(work, now - 1)
    assert [(f.kind, f.other_venue, f.other_scene) for f in flags] == [
        ("credential_cloned", "home", "residential_compound")
    ]
    assert flags[0].scanned_at - flags[0].other_scanned_at == timedelta(seconds=1)


def _device(scene: str, venue: str) -> Principal:
    return Principal(
        kind="device",
        id=uuid.uuid4(),
        client_id="scanner",
        jti="test",
        iat=0,
        exp=0,
        context={"scene": scene, "venue": venue},
    )


async def test_an_online_code_verified_online_and_then_uploaded_elsewhere_is_flagged_only_among_uploads(
    client: httpx.AsyncClient, services: Services
) -> None:
    citizen = await make_citizen(services)
    first, second = await make_scanner(services, scene="bus"), await make_scanner(services, scene="bus")
    code, now = await issued_code(client, citizen), time.time()
    assert (await _upload(client, first, (code, now)))["flags"] == []
    flags = (await _upload(client, second, (code, now + 1)))["flags"]
    assert isinstance(flags, list)
    assert [f["kind"] for f in flags] == ["frame_reused"]
    assert (await verify(client, first, code))["decision"] == "pass"  # uploads don't claim replay keys


async def test_forged_or_expired_scans_are_stored_with_their_reason_and_never_flagged(
    client: httpx.AsyncClient, services: Services
) -> None:
    phone, credential = await _phone(client, services)
    a, b = await make_scanner(services), await make_scanner(services)
    now = time.time()
    late = sign_frame(phone, credential, now=int(now) - 600)
    for scanner in (a, b):
        receipt = await _upload(client, scanner, (late, now), ("SQ1:NOTACODE", now))
        assert receipt["flags"] == []
    reasons = await CodeScan.select(CodeScan.reason).where(CodeScan.device_id == a.id)
    assert sorted(row["reason"] for row in reasons) == ["expired", "malformed"]


async def test_scans_from_the_future_are_refused(client: httpx.AsyncClient, services: Services) -> None:
    gate = await make_scanner(services)
    response = await client.post(
        "/api/v1/scanner/scans",
        json={"scans": [{"code": "SQ1:X", "scanned_at": _at(time.time() + 3600)}]},
        headers=gate.headers,
    )
    assert response.status_code == 422
    assert response.json()["code"] == "code.scan_time_invalid"
