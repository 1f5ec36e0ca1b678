"""Staff sessions: refresh with rotation and reuse detection, a list of one's own sessions (masked
address, user agent, which one is this), ending one or all others; operators list and end another
member's; a disabled member's refresh fails. PostgreSQL + Redis, over HTTP."""

from __future__ import annotations

import httpx
from litestar import Litestar

from backend.audit.tables import AuditEntry
from tests.backend.citizen.factories import client_from
from tests.backend.staff.factories import bearer, make_staff, staff_login, staff_token
from tests.services import Services


async def _login(client: httpx.AsyncClient, username: str, password: str) -> dict[str, str]:
    response = await client.post(
        "/api/v1/staff/token",
        json={"username": username, "password": password},
        headers={"user-agent": "Console/1.0 (Windows)"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "authenticated"
    body: dict[str, str] = response.json()
    return body


async def test_a_staff_session_refreshes_and_a_replayed_refresh_token_ends_it(
    app: Litestar, services: Services
) -> None:
    row, password = await make_staff(services)
    async with client_from(app, "203.0.113.40") as client:
        session = await _login(client, row.username, password)
        renewed = await client.post(
            "/api/v1/staff/token/refresh", json={"refresh_token": session["refresh_token"]}
        )
        assert renewed.status_code == 200, renewed.text
        assert renewed.json()["status"] == "authenticated"
        assert renewed.headers["cache-control"] == "no-store"
        replayed = await client.post(
            "/api/v1/staff/token/refresh", json={"refresh_token": session["refresh_token"]}
        )
        assert replayed.status_code == 401
        assert replayed.json()["code"] == "auth.refresh_token_reused"
        fresh = bearer(renewed.json()["access_token"])
        assert (await client.get("/api/v1/staff/me/sessions", headers=fresh)).status_code == 401


async def test_a_staff_refresh_token_renews_nowhere_but_the_staff_endpoint(
    app: Litestar, services: Services
) -> None:
    row, password = await make_staff(services)
    async with client_from(app) as client:
        session = await _login(client, row.username, password)
        citizen = await client.post(
            "/api/v1/auth/token",
            json={"grant_type": "refresh_token", "refresh_token": session["refresh_token"]},
        )
        assert citizen.status_code == 401
        assert citizen.json()["code"] == "auth.refresh_token_invalid"
        staff = await client.post(
            "/api/v1/staff/token/refresh", json={"refresh_token": session["refresh_token"]}
        )
        assert staff.status_code == 200


async def test_a_member_lists_their_sessions_and_ends_one_or_all_others(
    app: Litestar, services: Services
) -> None:
    row, password = await make_staff(services)
    async with client_from(app, "203.0.113.41") as office, client_from(app, "198.51.100.9") as home:
        here = await _login(office, row.username, password)
        there = await _login(home, row.username, password)
        third = await _login(home, row.username, password)
        me = bearer(here["access_token"])
        listed = await office.get("/api/v1/staff/me/sessions", headers=me)
        assert listed.status_code == 200, listed.text
        items = listed.json()["items"]
        assert len(items) == 3
        current = [item for item in items if item["current"]]
        assert len(current) == 1
        assert current[0]["client"] == "203.0.113.*"
        assert {item["client"] for item in items} == {"203.0.113.*", "198.51.100.*"}
        assert {item["user_agent"] for item in items} == {"Console/1.0 (Windows)"}
        assert "203.0.113.41" not in listed.text

        other = next(item["id"] for item in items if not item["current"])
        assert (await office.post(f"/api/v1/staff/me/sessions/{other}/end", headers=me)).status_code == 204
        assert len((await office.get("/api/v1/staff/me/sessions", headers=me)).json()["items"]) == 2
        for unknown_id in ("0" * 32, "%00", "x" * 200):
            unknown = await office.post(f"/api/v1/staff/me/sessions/{unknown_id}/end", headers=me)
            assert unknown.status_code == 404
            assert unknown.json()["code"] == "staff.session_not_found"

        ended = await office.post("/api/v1/staff/me/sessions/end-others", headers=me)
        assert ended.status_code == 200
        assert ended.json()["ended"] == 1
        remaining = (await office.get("/api/v1/staff/me/sessions", headers=me)).json()["items"]
        assert [item["current"] for item in remaining] == [True]
        for gone in (there, third):
            assert (
                await home.get("/api/v1/staff/me/sessions", headers=bearer(gone["access_token"]))
            ).status_code == 401
    rows = await AuditEntry.select(AuditEntry.action).where(AuditEntry.subject == f"staff:{row.id}")
    actions = [r["action"] for r in rows]
    assert "staff.session_ended" in actions
    assert "staff.sessions_ended" in actions


async def test_operators_list_and_end_another_members_sessions(app: Litestar, services: Services) -> None:
    operator = bearer(await staff_token(app, services, role="operator"))
    row, password = await make_staff(services)
    async with client_from(app) as client:
        session = await _login(client, row.username, password)
        path = f"/api/v1/admin/staff/{row.id}/sessions"
        listed = await client.get(path, headers=operator)
        assert listed.status_code == 200
        (item,) = listed.json()["items"]
        assert item["current"] is False
        assert (await client.post(f"{path}/{item['id']}/end", headers=operator)).status_code == 204
        assert (
            await client.get("/api/v1/staff/me", headers=bearer(session["access_token"]))
        ).status_code == 401
        await _login(client, row.username, password)
        await _login(client, row.username, password)
        ended = await client.post(f"{path}/end-all", headers=operator)
        assert ended.json()["ended"] == 2
        assert (await client.get(path, headers=operator)).json()["items"] == []
        counter = bearer(await staff_token(app, services, role="counter"))
        assert (await client.get(path, headers=counter)).status_code == 403


async def test_an_operators_own_session_list_marks_the_current_one(app: Litestar, services: Services) -> None:
    _, _, session, _ = await staff_login(app, services, role="operator")
    async with client_from(app) as client:
        listed = await client.get("/api/v1/staff/me/sessions", headers=bearer(session["access_token"]))
    assert [item["current"] for item in listed.json()["items"]] == [True]
