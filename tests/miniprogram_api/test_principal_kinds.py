"""The citizen routes of the mini-program edge admit citizen tokens only."""

from __future__ import annotations

import uuid

import httpx
import pytest

from backend.scanner.service import DEVICE_SCOPE
from tests.backend.citizen.factories import bearer
from tests.backend.staff.factories import citizen_token
from tests.services import Services


async def _device_token(services: Services) -> str:
    access = await services.tokens.issue_access(
        "device", uuid.uuid4(), scopes=(DEVICE_SCOPE,), client_id="scanner", context={"scene": "bus"}
    )
    return access.token


async def _staff_token(services: Services) -> str:
    access = await services.tokens.issue_access(
        "staff", uuid.uuid4(), scopes=("staff",), roles=("operator",), client_id="staff-console"
    )
    return access.token


@pytest.mark.parametrize("kind", ["device", "staff"])
async def test_device_and_staff_tokens_are_refused_on_citizen_link_routes(
    web: httpx.AsyncClient, services: Services, kind: str
) -> None:
    token = await (_device_token(services) if kind == "device" else _staff_token(services))
    for response in (
        await web.get("/mp/v1/links", headers=bearer(token)),
        await web.delete(f"/mp/v1/links/{uuid.uuid4()}", headers=bearer(token)),
        await web.post("/mp/v1/links/wechat", json={"code": "test-code-1"}, headers=bearer(token)),
    ):
        assert response.status_code == 403
        assert response.json()["code"] == "auth.wrong_principal_kind"


async def test_a_citizen_token_is_admitted(web: httpx.AsyncClient, services: Services) -> None:
    response = await web.get("/mp/v1/links", headers=bearer(await citizen_token(services)))
    assert response.status_code == 200
    assert response.json() == {"items": []}


async def test_no_token_is_a_401(web: httpx.AsyncClient) -> None:
    response = await web.get("/mp/v1/links")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
