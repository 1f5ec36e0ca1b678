"""Registration: SMS-verified phone, local ID checksum, population registry, one citizen per identity."""

from __future__ import annotations

import httpx
import pytest
from litestar import Litestar

from backend.container import Container
from tests.backend.citizen.factories import (
    add_person,
    bearer,
    client_from,
    random_id_number,
    random_phone,
    register,
    request_code,
)


@pytest.fixture
async def web(app: Litestar) -> httpx.AsyncClient:
    async with client_from(app) as client:
        yield client


async def test_register_then_me_shows_masked_personal_data(web: httpx.AsyncClient) -> None:
    registered = await register(web)
    person = registered["_person"]
    citizen = registered["citizen"]
    assert citizen["id_number"] == person["id_number"][:4] + "*" * 10 + person["id_number"][-4:]
    assert citizen["phone"] == person["phone"][:3] + "****" + person["phone"][-4:]
    assert citizen["name"].startswith(person["name"][0])
    assert person["name"] not in str(registered["citizen"]) or len(person["name"]) == 1
    tokens = registered["tokens"]
    assert tokens["token_type"] == "Bearer"
    me = await web.get("/api/v1/me", headers=bearer(tokens["access_token"]))
    assert me.status_code == 200
    assert me.json() == citizen
    assert person["id_number"] not in me.text
    assert person["phone"] not in me.text
