"""Two citizens side by side: neither token ever reaches the other's data or session."""

from __future__ import annotations

import uuid

import httpx

from tests.backend.citizen.factories import bearer, register
from tests.services import Services


async def test_each_citizen_sees_only_their_own_record(web: httpx.AsyncClient) -> None:
    alice, bob = await register(web), await register(web)
    for me, other in ((alice, bob), (bob, alice)):
        response = await web.get("/api/v1/me", headers=bearer(me["tokens"]["access_token"]))
        assert response.json()["id"] == me["citizen"]["id"]
        for field in ("id", "id_number", "phone"):
            assert other["citizen"][field] not in response.text
        assert other["_person"]["id_number"] not in response.text


async def test_one_citizens_logout_and_refresh_leave_the_other_untouched(web: httpx.AsyncClient) -> None:
    alice, bob = await register(web), await register(web)
    assert (
        await web.post("/api/v1/auth/logout", headers=bearer(alice["tokens"]["access_token"]))
    ).status_code == 204
    assert (await web.get("/api/v1/me", headers=bearer(bob["tokens"]["access_token"]))).status_code == 200
    refreshed = await web.post(
        "/api/v1/auth/token",
        json={"grant_type": "refresh_token", "refresh_token": bob["tokens"]["refresh_token"]},
    )
    assert refreshed.status_code == 200
    me = await web.get("/api/v1/me", headers=bearer(refreshed.json()["access_token"]))
    assert me.json()["id"] == bob["citizen"]["id"]
    # Alice's refresh token died with her session; it never yields Bob's (or any) tokens.
    dead = await web.post(
        "/api/v1/auth/token",
        json={"grant_type": "refresh_token", "refresh_token": alice["tokens"]["refresh_token"]},
    )
    assert dead.status_code == 401


async def test_token_of_a_citizen_without_a_record_finds_nothing(
    services: Services, web: httpx.AsyncClient
) -> None:
    await register(web)
    access = await services.tokens.issue_access("citizen", uuid.uuid4(), scopes=["citizen"], client_id="t")
    response = await web.get("/api/v1/me", headers=bearer(access.token))
    assert response.status_code == 404
    assert response.json()["code"] == "citizen.not_found"


async def test_staff_and_device_tokens_cannot_read_citizen_routes(
    services: Services, web: httpx.AsyncClient
) -> None:
    citizen = await register(web)
    same_id = uuid.UUID(citizen["citizen"]["id"])
    for kind in ("staff", "device"):
        access = await services.tokens.issue_access(kind, same_id, scopes=["citizen"], client_id="t")
        response = await web.get("/api/v1/me", headers=bearer(access.token))
        assert response.status_code == 403
        assert response.json()["code"] == "auth.wrong_principal_kind"
