"""Plain async factories for staff and scanner tests: random identities, real database."""

from __future__ import annotations

import secrets
import uuid

from litestar import Litestar

from backend.auth.principal import CITIZEN_SCOPES, Principal
from backend.staff.repository import Role, StaffRow
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


async def make_staff(services: Services, *, role: Role = "counter") -> tuple[StaffRow, str]:
    """A new staff account with a random username; returns it and its password."""
    password = secrets.token_urlsafe(16)
    row = await services.staff.create(
        username=f"staff-{secrets.token_hex(6)}",
        display_name="Test Staff",
        role=role,
        password=password,
        by=operator_principal(),
    )
    return row, password


async def staff_token(app: Litestar, services: Services, *, role: Role = "counter") -> str:
    """A staff access token obtained through the login endpoint, as the console would (from a client
    address of its own, so the per-address login throttle never trips across tests)."""
    row, password = await make_staff(services, role=role)
    async with client_from(app) as client:
        response = await client.post(
            "/api/v1/staff/token", json={"username": row.username, "password": password}
        )
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


async def citizen_token(services: Services, citizen_id: uuid.UUID | None = None) -> str:
    access = await services.tokens.issue_access(
        "citizen", citizen_id or uuid.uuid4(), scopes=CITIZEN_SCOPES, client_id="app"
    )
    return access.token
