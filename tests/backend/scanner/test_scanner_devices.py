"""Operators register, list and revoke scanners; a device trades its credential for a device token
that works only on device routes and dies the moment the device is revoked."""

from __future__ import annotations

import base64
import secrets
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import msgspec
import pytest
from litestar import Litestar, get
from litestar.di import NamedDependency

from backend.audit.tables import AuditEntry
from backend.auth.errors import TokenRejected
from backend.auth.guards import CITIZEN, device
from backend.auth.principal import Principal
from backend.scanner.scenes import SCENES
from backend.scanner.tables import ScannerDevice
from tests.backend.conftest import http_client
from tests.backend.staff.factories import bearer, citizen_token, staff_token
from tests.services import Services, app_with


class Seen(msgspec.Struct):
    subject: str
    context: dict[str, str]


@get("/probe/device", access=device("scanner"), sync_to_thread=False)
def device_probe(principal: NamedDependency[Principal]) -> Seen:
    return Seen(subject=principal.subject, context=principal.context)


@get("/probe/citizen", access=CITIZEN, sync_to_thread=False)
def citizen_probe(principal: NamedDependency[Principal]) -> Seen:
    return Seen(subject=principal.subject, context=principal.context)


@pytest.fixture(scope="module")
async def probe(services: Services) -> AsyncIterator[httpx.AsyncClient]:
    app = app_with(services, device_probe, citizen_probe)
    async with http_client(app) as client:
        yield client


@pytest.fixture(scope="module")
async def operator(app: Litestar, services: Services) -> dict[str, str]:
    return bearer(await staff_token(app, services, role="operator"))


async def _register(
    client: httpx.AsyncClient, operator: dict[str, str], scene: str = "hospital"
) -> dict[str, Any]:
    venue = f"宿迁市第一人民医院 {secrets.token_hex(3)}"
    response = await client.post(
        "/api/v1/admin/scanners", json={"scene": scene, "venue": venue}, headers=operator
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def _device_token(client: httpx.AsyncClient, device_id: str, credential: str) -> httpx.Response:
    return await client.post("/api/v1/scanner/token", json={"device_id": device_id, "credential": credential})


async def test_registration_shows_the_credential_once(
    client: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    registered = await _register(client, operator)
    device, credential = registered["device"], registered["credential"]
    assert len(credential) == 43
    assert (device["scene"], device["revoked_at"]) == ("hospital", None)
    read = await client.get(f"/api/v1/admin/scanners/{device['id']}", headers=operator)
    assert read.status_code == 200
    assert credential not in read.text
    assert "credential" not in read.json()
    listed = await client.get("/api/v1/admin/scanners", params={"limit": 100}, headers=operator)
    assert credential not in listed.text


async def test_an_unknown_scene_is_refused(client: httpx.AsyncClient, operator: dict[str, str]) -> None:
    response = await client.post(
        "/api/v1/admin/scanners", json={"scene": "casino", "venue": "x"}, headers=operator
    )
    assert response.status_code == 400
    assert response.json()["code"] == "request.invalid"


async def test_counter_staff_cannot_register_devices(
    app: Litestar, client: httpx.AsyncClient, services: Services
) -> None:
    counter = bearer(await staff_token(app, services, role="counter"))
    response = await client.post(
        "/api/v1/admin/scanners", json={"scene": "library", "venue": "市图书馆"}, headers=counter
    )
    assert response.status_code == 403
    assert response.json()["code"] == "auth.missing_role"


async def test_a_citizen_token_cannot_register_devices(client: httpx.AsyncClient, services: Services) -> None:
    response = await client.post(
        "/api/v1/admin/scanners",
        json={"scene": "library", "venue": "市图书馆"},
        headers=bearer(await citizen_token(services)),
    )
    assert response.status_code == 403
    assert response.json()["code"] == "auth.wrong_principal_kind"


async def test_a_device_token_carries_kind_scope_scene_and_venue(
    client: httpx.AsyncClient, services: Services, operator: dict[str, str], probe: httpx.AsyncClient
) -> None:
    registered = await _register(client, operator, scene="bus")
    device = registered["device"]
    response = await _device_token(client, device["id"], registered["credential"])
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["scene"], body["venue"], body["token_type"]) == ("bus", device["venue"], "Bearer")
    assert 0 < body["expires_in"] <= 600
    principal = await services.tokens.authenticate(body["access_token"])
    assert (principal.kind, str(principal.id)) == ("device", device["id"])
    assert principal.scopes == frozenset({"scanner"})
    seen = await probe.get("/probe/device", headers=bearer(body["access_token"]))
    assert seen.status_code == 200
    assert seen.json()["context"] == {"scene": "bus", "venue": device["venue"]}


async def test_a_wrong_credential_and_an_unknown_device_get_the_same_answer(
    client: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    registered = await _register(client, operator)
    wrong = await _device_token(client, registered["device"]["id"], secrets.token_urlsafe(32))
    unknown = await _device_token(client, str(uuid.uuid4()), registered["credential"])
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["code"] == unknown.json()["code"] == "scanner.credentials_invalid"


async def test_revoking_a_device_kills_its_outstanding_tokens_at_once(
    client: httpx.AsyncClient, services: Services, operator: dict[str, str], probe: httpx.AsyncClient
) -> None:
    registered = await _register(client, operator)
    device_id, credential = registered["device"]["id"], registered["credential"]
    token = (await _device_token(client, device_id, credential)).json()["access_token"]
    assert (await probe.get("/probe/device", headers=bearer(token))).status_code == 200

    revoked = await client.post(f"/api/v1/admin/scanners/{device_id}/revoke", headers=operator)
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None

    refused = await probe.get("/probe/device", headers=bearer(token))
    assert refused.status_code == 401
    assert refused.json()["code"] == "auth.token_revoked"
    with pytest.raises(TokenRejected):
        await services.tokens.authenticate(token)
    again = await _device_token(client, device_id, credential)
    assert again.status_code == 401
    read = await client.get(f"/api/v1/admin/scanners/{device_id}", headers=operator)
    assert read.json()["revoked_at"] is not None


async def test_revoking_twice_is_harmless_and_an_unknown_device_is_not_found(
    client: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    device_id = (await _register(client, operator))["device"]["id"]
    first = await client.post(f"/api/v1/admin/scanners/{device_id}/revoke", headers=operator)
    again = await client.post(f"/api/v1/admin/scanners/{device_id}/revoke", headers=operator)
    assert (first.status_code, again.status_code) == (200, 200)
    # Revocation is an event on a record that stays: the second answer shows the first revocation.
    assert again.json()["revoked_at"] == first.json()["revoked_at"]
    assert (await client.get(f"/api/v1/admin/scanners/{device_id}", headers=operator)).status_code == 200
    missing = await client.post(f"/api/v1/admin/scanners/{uuid.uuid4()}/revoke", headers=operator)
    assert missing.status_code == 404
    assert missing.json()["code"] == "scanner.not_found"


async def test_registration_and_revocation_are_audited(
    client: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    device_id = (await _register(client, operator))["device"]["id"]
    await client.post(f"/api/v1/admin/scanners/{device_id}/revoke", headers=operator)
    rows = await (
        AuditEntry.select(AuditEntry.action, AuditEntry.actor, AuditEntry.data)
        .where(AuditEntry.subject == f"device:{device_id}")
        .order_by(AuditEntry.seq)
    )
    assert [row["action"] for row in rows] == ["scanner.registered", "scanner.revoked"]
    assert all(row["actor"].startswith("staff:") for row in rows)


async def test_the_list_pages_with_a_cursor_and_hides_revoked_devices_unless_asked(
    client: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    ids = [(await _register(client, operator, scene=scene))["device"]["id"] for scene in SCENES[:3]]
    await client.post(f"/api/v1/admin/scanners/{ids[1]}/revoke", headers=operator)

    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/api/v1/admin/scanners", params=params, headers=operator)).json()
        assert len(page["items"]) <= 2
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert ids[0] in seen
    assert ids[2] in seen
    assert ids[1] not in seen
    assert len(seen) == len(set(seen))

    everything = await client.get(
        "/api/v1/admin/scanners", params={"limit": 100, "include_revoked": "true"}, headers=operator
    )
    assert ids[1] in [item["id"] for item in everything.json()["items"]]


async def test_a_device_token_is_refused_on_citizen_and_admin_routes(
    client: httpx.AsyncClient, operator: dict[str, str], probe: httpx.AsyncClient
) -> None:
    registered = await _register(client, operator)
    token = (await _device_token(client, registered["device"]["id"], registered["credential"])).json()
    device = bearer(token["access_token"])
    on_citizen = await probe.get("/probe/citizen", headers=device)
    on_admin = await client.get("/api/v1/admin/scanners", headers=device)
    assert on_citizen.status_code == on_admin.status_code == 403
    assert on_citizen.json()["code"] == on_admin.json()["code"] == "auth.wrong_principal_kind"


async def test_staff_and_citizen_tokens_are_refused_on_device_routes(
    app: Litestar, services: Services, probe: httpx.AsyncClient
) -> None:
    staff = bearer(await staff_token(app, services, role="operator"))
    citizen = bearer(await citizen_token(services))
    for headers in (staff, citizen):
        response = await probe.get("/probe/device", headers=headers)
        assert response.status_code == 403
        assert response.json()["code"] == "auth.wrong_principal_kind"


async def test_a_device_trading_its_credential_too_often_is_throttled(
    client: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    registered = await _register(client, operator)
    device_id, credential = registered["device"]["id"], registered["credential"]
    answers = [(await _device_token(client, device_id, credential)).status_code for _ in range(11)]
    assert answers == [200] * 10 + [429]
    throttled = await _device_token(client, device_id, credential)
    assert throttled.json()["code"] == "scanner.token_throttled"
    assert int(throttled.headers["retry-after"]) > 0


async def test_a_retried_registration_with_the_same_idempotency_key_answers_the_first_device(
    client: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    body = {"scene": "factory", "venue": f"宿迁经济开发区 {secrets.token_hex(3)}"}
    headers = {**operator, "idempotency-key": secrets.token_hex(8)}
    first = await client.post("/api/v1/admin/scanners", json=body, headers=headers)
    replay = await client.post("/api/v1/admin/scanners", json=body, headers=headers)
    assert first.status_code == replay.status_code == 201
    assert replay.json() == first.json()
    assert replay.headers["idempotent-replayed"] == "true"
    assert await ScannerDevice.count().where(ScannerDevice.venue == body["venue"]) == 1


@pytest.mark.parametrize("venue", ["宿迁\u0000站", "\u0007", "gate\u001b[2J"])
async def test_control_characters_in_a_venue_are_refused_at_the_edge(
    client: httpx.AsyncClient, operator: dict[str, str], venue: str
) -> None:
    response = await client.post(
        "/api/v1/admin/scanners", json={"scene": "bus", "venue": venue}, headers=operator
    )
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "request.invalid"


def _forged_cursor(stamp: str, device_id: str) -> str:
    return base64.urlsafe_b64encode(f'["{stamp}","{device_id}"]'.encode()).decode()


@pytest.mark.parametrize(
    "cursor",
    [
        # Overflowed on conversion to UTC: once a 500.
        _forged_cursor("9999-12-31T23:59:59-23:59", str(uuid.uuid4())),
        base64.urlsafe_b64encode(f"9999-12-31T23:59:59-23:59|{uuid.uuid4()}".encode()).decode(),
        _forged_cursor("0001-01-01T00:00:00+23:59", str(uuid.uuid4())),
        _forged_cursor("2026-01-01T00:00:00", str(uuid.uuid4())),
        _forged_cursor("2026-01-01T00:00:00Z", "not-a-uuid"),
        "AA==",
        "%%%",
    ],
)
async def test_a_forged_scanner_list_cursor_is_a_422(
    client: httpx.AsyncClient, operator: dict[str, str], cursor: str
) -> None:
    response = await client.get("/api/v1/admin/scanners", params={"cursor": cursor}, headers=operator)
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "request.cursor_invalid"
