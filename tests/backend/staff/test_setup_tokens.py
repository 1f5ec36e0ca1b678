"""Setup tokens (scope ``staff:account`` alone, ``backend.staff.setup``): a setup token becomes a session
only when it settled itself everything it owed; a settled step ends every other setup token of the
member; a login racing a disable keeps no setup token; the enrolment routes serve active accounts only.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
from litestar import Litestar

from backend.audit.tables import AuditEntry
from backend.auth.errors import InvalidCredentials
from backend.auth.principal import Principal
from backend.staff.login import StaffLogin
from backend.staff.repository import StaffRow
from backend.staff.tables import StaffAccount
from tests.backend.citizen.factories import client_from
from tests.backend.staff.factories import bearer, current_code, enrol, make_staff
from tests.services import Services


async def _password(client: httpx.AsyncClient, username: str, password: str) -> dict[str, Any]:
    response = await client.post("/api/v1/staff/token", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _logins(staff_id: object) -> list[dict[str, Any]]:
    rows = await (
        AuditEntry.select(AuditEntry.data)
        .where((AuditEntry.subject == f"staff:{staff_id}") & (AuditEntry.action == "staff.login"))
        .order_by(AuditEntry.seq)
    )
    return [json.loads(row["data"]) if isinstance(row["data"], str) else row["data"] for row in rows]


async def test_an_old_setup_token_gets_no_session_once_the_owner_enrolled(
    app: Litestar, services: Services
) -> None:
    # The review's attack: someone with the password of an unenrolled operator signs in (T2); the
    # owner enrols from their own setup token; T2 then changes the password to get a session.
    row, password = await make_staff(services, role="operator")
    async with client_from(app) as owner, client_from(app) as attacker:
        stolen = await _password(attacker, row.username, password)
        assert stolen["required"] == ["second_factor_enrolment"]
        own = await _password(owner, row.username, password)
        _, _, confirmed = await enrol(owner, own["access_token"])
        assert confirmed["session"]["status"] == "authenticated"

        change = await attacker.post(
            "/api/v1/staff/me/password",
            json={"current_password": password, "new_password": f"Attacker-{password}"},
            headers=bearer(stolen["access_token"]),
        )
        assert change.status_code == 401, change.text
        assert change.json()["code"] == "auth.token_revoked"
        me = await attacker.get("/api/v1/staff/me", headers=bearer(stolen["access_token"]))
        assert me.status_code == 401
        # Nothing changed: the owner's password stands, and their session lives.
        assert (await _password(owner, row.username, password))["status"] == "second_factor_required"
        session = bearer(confirmed["session"]["access_token"])
        assert (await owner.get("/api/v1/staff/me/sessions", headers=session)).status_code == 200
    assert [login["factor"] for login in await _logins(row.id)] == [None, None, "totp"]


async def test_a_setup_token_that_settled_nothing_itself_gets_no_session(
    app: Litestar, services: Services
) -> None:
    # Defence in depth behind the revocation: settled() asks what this very token settled.
    row, password = await make_staff(services, role="operator")
    login = services.wiring.get(StaffLogin)
    async with client_from(app) as client:
        stolen = await _password(client, row.username, password)
        principal = await services.tokens.authenticate(stolen["access_token"])
        # The account gets enrolled behind the token's back, without a settle (as a bug would).
        own = await _password(client, row.username, password)
        await enrol(client, own["access_token"])
        await StaffAccount.update({StaffAccount.setup_generation: 0, StaffAccount.setup_holder: None}).where(
            StaffAccount.id == row.id
        )
        required, session = await login.settled(principal, client="203.0.113.7")
        assert (required, session) == ((), None)


async def test_a_password_change_from_a_session_ends_every_setup_token(
    app: Litestar, services: Services
) -> None:
    row, password = await make_staff(services, role="counter", password_changed=False)
    async with client_from(app) as client:
        first = await _password(client, row.username, password)
        assert first["required"] == ["password_change"]
        second = await _password(client, row.username, password)
        new = f"Changed-{password}"
        changed = await client.post(
            "/api/v1/staff/me/password",
            json={"current_password": password, "new_password": new},
            headers=bearer(second["access_token"]),
        )
        assert changed.status_code == 200, changed.text
        assert changed.json()["session"]["status"] == "authenticated"
        again = await client.post(
            "/api/v1/staff/me/password",
            json={"current_password": new, "new_password": f"Other-{password}"},
            headers=bearer(first["access_token"]),
        )
        assert again.status_code == 401
        assert again.json()["code"] == "auth.token_revoked"


async def test_a_token_owing_two_steps_settles_both_itself_and_records_its_factor(
    app: Litestar, services: Services
) -> None:
    row, password = await make_staff(services, role="operator", password_changed=False)
    async with client_from(app) as client:
        first = await _password(client, row.username, password)
        assert first["required"] == ["password_change", "second_factor_enrolment"]
        token = bearer(first["access_token"])
        new = f"Changed-{password}"
        changed = await client.post(
            "/api/v1/staff/me/password",
            json={"current_password": password, "new_password": new},
            headers=token,
        )
        assert changed.status_code == 200, changed.text
        assert (changed.json()["required"], changed.json()["session"]) == (["second_factor_enrolment"], None)
        secret, _, confirmed = await enrol(client, first["access_token"])
        assert confirmed["session"]["status"] == "authenticated"
        # Signed in from now on with the code.
        challenged = await _password(client, row.username, new)
        answered = await client.post(
            "/api/v1/staff/token/second-factor",
            json={"challenge": challenged["challenge"], "code": current_code(secret, steps_ahead=1)},
        )
        assert answered.status_code == 200, answered.text
    assert [login["factor"] for login in await _logins(row.id)] == [None, "totp", "totp"]


async def test_a_setup_token_issued_while_the_member_is_disabled_ends_at_once(
    app: Litestar, services: Services
) -> None:
    row, _ = await make_staff(services, role="operator")
    await StaffAccount.update({StaffAccount.active: False}).where(StaffAccount.id == row.id)
    login = services.wiring.get(StaffLogin)
    issued: list[Principal] = []
    verify = services.tokens.verify_access

    def spy(token: str) -> Principal:
        issued.append(verify(token))
        return issued[-1]

    services.tokens.verify_access = spy  # type: ignore[method-assign]
    try:
        # The row as the password step read it, a moment before the disable committed.
        active: StaffRow = row
        try:
            await login._signed_in(active, factor=None, client="203.0.113.8", user_agent=None)
            raise AssertionError("a setup token outlived the disable")
        except InvalidCredentials:
            pass
    finally:
        del services.tokens.verify_access
    assert issued
    assert await services.tokens.is_revoked(issued[0])


async def test_the_enrolment_routes_serve_active_accounts_only(app: Litestar, services: Services) -> None:
    row, password = await make_staff(services, role="operator")
    async with client_from(app) as client:
        first = await _password(client, row.username, password)
        token = bearer(first["access_token"])
        started = await client.post("/api/v1/staff/me/second-factor/totp", json={}, headers=token)
        secret = started.json()["secret"]
        # Disabled without the revocation reaching the token (the race the review describes).
        await StaffAccount.update({StaffAccount.active: False}).where(StaffAccount.id == row.id)
        again = await client.post("/api/v1/staff/me/second-factor/totp", json={}, headers=token)
        assert again.status_code == 401, again.text
        assert again.json()["code"] == "auth.invalid_credentials"
        confirm = await client.post(
            "/api/v1/staff/me/second-factor/totp/confirm", json={"code": current_code(secret)}, headers=token
        )
        assert confirm.status_code == 401, confirm.text
