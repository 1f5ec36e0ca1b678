"""Plain async factories for staff and scanner tests: random identities, real database."""

from __future__ import annotations

import secrets
import time
import uuid
from typing import Any

import httpx
import msgspec
from litestar import Litestar

from backend.auth.principal import ACTING_GRANT, ACTING_ORGANISATION, CITIZEN_SCOPES, Principal
from backend.staff import totp
from backend.staff.repository import Role, StaffRepository, StaffRow
from tests.backend.citizen.factories import client_from
from tests.services import Services


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def operator_principal() -> Principal:
    """The acting operator for factory-made accounts (an audit actor; never a token)."""
    return Principal(
        kind="staff",
        id=uuid.uuid4(),
        roles=frozenset({"operator"}),
        client_id="tests",
        jti="factory",
        iat=0,
        exp=0,
    )


async def make_staff(
    services: Services, *, role: Role = "counter", password_changed: bool = True
) -> tuple[StaffRow, str]:
    """A new staff account with a random username; returns it and its password. An operator-created
    password must be changed at the first login; unless ``password_changed=False`` the account is
    made as if its member had done that already (the password returned is the one in force)."""
    password = secrets.token_urlsafe(16)
    row = await services.staff.create(
        username=f"staff-{secrets.token_hex(6)}",
        display_name="Test Staff",
        role=role,
        password=password,
        by=operator_principal(),
    )
    if password_changed:
        await StaffRepository(services.engine).set_password_hash(row.id, row.password_hash)
        row = msgspec.structs.replace(row, must_change_password=False)
    return row, password


def current_code(secret: str, *, steps_ahead: int = 0) -> str:
    """The authenticator's code now (or ``steps_ahead`` 30-second steps from now, within the window)."""
    return totp.code_at(secret, time.time() + steps_ahead * totp.PERIOD)


async def enrol(
    client: httpx.AsyncClient, token: str, *, password: str | None = None
) -> tuple[str, list[str], dict[str, Any]]:
    """Enrol an authenticator with ``token`` (restricted, or full with the current ``password``): its
    secret, the recovery codes, and the confirmation's body (with the session when the enrolment
    settled a restricted login)."""
    body = {} if password is None else {"current_password": password}
    started = await client.post("/api/v1/staff/me/second-factor/totp", json=body, headers=bearer(token))
    assert started.status_code == 201, started.text
    secret: str = started.json()["secret"]
    confirmed = await client.post(
        "/api/v1/staff/me/second-factor/totp/confirm",
        json={"code": current_code(secret)},
        headers=bearer(token),
    )
    assert confirmed.status_code == 200, confirmed.text
    answer: dict[str, Any] = confirmed.json()
    return secret, list(answer["recovery_codes"]), answer


async def staff_login(
    app: Litestar, services: Services, *, role: Role = "counter"
) -> tuple[StaffRow, str, dict[str, Any], str | None]:
    """A staff member signed in through the endpoints as the console would (from a client address of
    its own, so the per-address login throttle never trips across tests), enrolling an authenticator
    when the policy asks for one: the account, its password, the session and the TOTP secret."""
    row, password = await make_staff(services, role=role)
    secret = None
    async with client_from(app) as client:
        response = await client.post(
            "/api/v1/staff/token", json={"username": row.username, "password": password}
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        if body["status"] == "setup_required":
            assert body["required"] == ["second_factor_enrolment"]
            secret, _, confirmed = await enrol(client, body["access_token"])
            body = confirmed["session"]
    assert body["status"] == "authenticated", body
    return row, password, body, secret


async def staff_token(app: Litestar, services: Services, *, role: Role = "counter") -> str:
    """A staff access token obtained through the login endpoints (operators enrol a second factor)."""
    _, _, session, _ = await staff_login(app, services, role=role)
    token: str = session["access_token"]
    return token


async def citizen_token(services: Services, citizen_id: uuid.UUID | None = None) -> str:
    access = await services.tokens.issue_access(
        "citizen", citizen_id or uuid.uuid4(), scopes=CITIZEN_SCOPES, client_id="app"
    )
    return access.token


async def acting_token(services: Services) -> str:
    """A citizen's token acting for an organisation nobody granted (every check of it fails closed)."""
    access = await services.tokens.issue_access(
        "citizen",
        uuid.uuid4(),
        scopes=CITIZEN_SCOPES,
        client_id="app",
        context={ACTING_ORGANISATION: str(uuid.uuid4()), ACTING_GRANT: str(uuid.uuid4())},
    )
    return access.token
