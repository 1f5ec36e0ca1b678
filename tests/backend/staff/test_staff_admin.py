"""The staff list pages with opaque cursors; forged cursors and control characters are refused at the
edge (once both were 500s from PostgreSQL)."""

from __future__ import annotations

import base64
import secrets
from typing import Any

import httpx
import pytest
from litestar import Litestar

from tests.backend.staff.factories import bearer, make_staff, staff_token
from tests.services import Services


@pytest.fixture(scope="module")
async def operator(app: Litestar, services: Services) -> dict[str, str]:
    return bearer(await staff_token(app, services, role="operator"))


async def test_the_staff_list_pages_through_every_account_once(
    client: httpx.AsyncClient, services: Services, operator: dict[str, str]
) -> None:
    made = {(await make_staff(services))[0].username for _ in range(3)}
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        response = await client.get("/api/v1/admin/staff", params=params, headers=operator)
        assert response.status_code == 200, response.text
        page = response.json()
        assert len(page["items"]) <= 2
        seen += [item["username"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert made <= set(seen)
    assert seen == sorted(seen)
    assert len(seen) == len(set(seen))


@pytest.mark.parametrize(
    "cursor",
    [
        "AA==",  # a NUL byte: PostgreSQL refused it as text, a 500
        base64.urlsafe_b64encode(b'["admin\\u0000"]').decode(),
        "%%%",
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
        base64.urlsafe_b64encode(b'["a", "b"]').decode(),
    ],
)
async def test_a_forged_staff_list_cursor_is_a_422(
    client: httpx.AsyncClient, operator: dict[str, str], cursor: str
) -> None:
    response = await client.get("/api/v1/admin/staff", params={"cursor": cursor}, headers=operator)
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "request.cursor_invalid"


@pytest.mark.parametrize("display_name", ["Window\u00001", "bell\u0007", "\u001b[31mred"])
async def test_control_characters_in_a_display_name_are_refused_at_the_edge(
    client: httpx.AsyncClient, operator: dict[str, str], display_name: str
) -> None:
    new = {
        "username": f"c-{secrets.token_hex(4)}",
        "display_name": display_name,
        "role": "counter",
        "password": secrets.token_urlsafe(12),
    }
    response = await client.post("/api/v1/admin/staff", json=new, headers=operator)
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "request.invalid"
