"""A hard limit on wrong authenticator codes in a row (``StaffSettings.code_failure_limit``, 10): kept in
the database, never forgotten by time nor by clearing the login throttle; past it codes are refused
(``staff.second_factor_locked``) while recovery codes still work, until the password is changed or
reset, or the factor reset."""

from __future__ import annotations

import secrets
from typing import Any

import httpx
import pytest
from litestar import Litestar

from backend.audit.tables import AuditEntry
from backend.auth.throttle import LoginThrottle
from backend.staff.errors import StaffNotFound
from backend.staff.second_factor import factor_account
from backend.staff.service import StaffService
from backend.staff.tables import StaffTotp
from tests.backend.citizen.factories import client_from
from tests.backend.staff.factories import bearer, current_code, staff_login
from tests.services import Services

LIMIT = 10


def _wrong(secret: str) -> str:
    while True:
        guess = f"{secrets.randbelow(10**6):06d}"
        if all(guess != current_code(secret, steps_ahead=k) for k in (-1, 0, 1)):
            return guess


async def _challenge(client: httpx.AsyncClient, username: str, password: str) -> str:
    response = await client.post("/api/v1/staff/token", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["status"] == "second_factor_required", body
    challenge: str = body["challenge"]
    return challenge


async def _answer(client: httpx.AsyncClient, challenge: str, **proof: str) -> httpx.Response:
    return await client.post("/api/v1/staff/token/second-factor", json={"challenge": challenge, **proof})


async def _guess(app: Litestar, username: str, password: str, secret: str, times: int) -> list[str]:
    """Wrong codes, each from a fresh address and a fresh challenge (the slow brute force)."""
    codes = []
    for _ in range(times):
        async with client_from(app) as client:
            answered = await _answer(
                client, await _challenge(client, username, password), code=_wrong(secret)
            )
            codes.append(answered.json()["code"])
    return codes


async def test_codes_are_refused_after_ten_wrong_ones_in_a_row_whatever_the_throttle_forgets(
    app: Litestar, services: Services
) -> None:
    row, password, _, secret = await staff_login(app, services, role="operator")
    assert secret is not None
    assert await _guess(app, row.username, password, secret, LIMIT) == ["staff.second_factor_invalid"] * LIMIT
    # The throttle's counts gone (a day passed, or an operator cleared them): the limit holds.
    await services.wiring.get(LoginThrottle).clear(factor_account(row.id))
    async with client_from(app) as client:
        right = await _answer(
            client, await _challenge(client, row.username, password), code=current_code(secret, steps_ahead=1)
        )
        assert right.status_code == 403, right.text
        assert right.json()["code"] == "staff.second_factor_locked"
    failures = await StaffTotp.select(StaffTotp.code_failures).where(StaffTotp.staff_id == row.id)
    assert failures[0]["code_failures"] == LIMIT
    locked = await AuditEntry.count().where(
        (AuditEntry.subject == f"staff:{row.id}") & (AuditEntry.action == "staff.second_factor_locked")
    )
    assert locked == 1


async def test_a_right_code_starts_the_count_again(app: Litestar, services: Services) -> None:
    row, password, _, secret = await staff_login(app, services, role="operator")
    assert secret is not None
    await _guess(app, row.username, password, secret, LIMIT - 1)
    async with client_from(app) as client:
        right = await _answer(
            client, await _challenge(client, row.username, password), code=current_code(secret, steps_ahead=1)
        )
        assert right.status_code == 200, right.text
    assert await _guess(app, row.username, password, secret, LIMIT - 1) == ["staff.second_factor_invalid"] * (
        LIMIT - 1
    )


async def test_locked_codes_leave_recovery_codes_and_an_operator_reset_unlocks(
    app: Litestar, services: Services
) -> None:
    _, _, admin, _ = await staff_login(app, services, role="operator")
    row, password, session, secret = await staff_login(app, services, role="operator")
    assert secret is not None
    async with client_from(app) as client:
        regenerated = await client.post(
            "/api/v1/staff/me/second-factor/recovery-codes",
            json={"code": current_code(secret, steps_ahead=1)},
            headers=bearer(session["access_token"]),
        )
        assert regenerated.status_code == 200, regenerated.text
        recovery = regenerated.json()["recovery_codes"]
    await _guess(app, row.username, password, secret, LIMIT)
    async with client_from(app) as client:
        cleared = await client.post(
            f"/api/v1/admin/staff/{row.id}/login-throttle/clear", headers=bearer(admin["access_token"])
        )
        assert cleared.status_code == 204
        locked = await _answer(
            client, await _challenge(client, row.username, password), code=current_code(secret, steps_ahead=1)
        )
        assert locked.json()["code"] == "staff.second_factor_locked"
        # The owner still signs in with a recovery code; that alone does not unlock the codes.
        rescued = await _answer(
            client, await _challenge(client, row.username, password), recovery_code=recovery[0]
        )
        assert rescued.status_code == 200, rescued.text
        still = await _answer(client, await _challenge(client, row.username, password), code=_wrong(secret))
        assert still.json()["code"] == "staff.second_factor_locked"
        new = f"Reset-{secrets.token_urlsafe(12)}"
        reset = await client.post(
            f"/api/v1/admin/staff/{row.id}/password",
            json={"password": new},
            headers=bearer(admin["access_token"]),
        )
        assert reset.status_code == 204
        # Step +1 was spent on the regeneration: as if the next step had come.
        await StaffTotp.update({StaffTotp.last_step: 0}).where(StaffTotp.staff_id == row.id)
        unlocked = await _answer(
            client, await _challenge(client, row.username, new), code=current_code(secret, steps_ahead=1)
        )
        assert unlocked.status_code == 200, unlocked.text


async def test_unlock_and_reset_on_the_machine_let_a_locked_out_member_back_in(
    app: Litestar, services: Services
) -> None:
    # What `suqian staff unlock` / `reset-password` run, here on PostgreSQL and Redis.
    row, password, _, secret = await staff_login(app, services, role="operator")
    assert secret is not None
    await _guess(app, row.username, password, secret, LIMIT)
    staff = services.wiring.get(StaffService)
    await staff.unlock_on_machine(row.username.upper(), actor="system:cli:tester")
    await StaffTotp.update({StaffTotp.last_step: 0}).where(StaffTotp.staff_id == row.id)
    async with client_from(app) as client:
        unlocked = await _answer(
            client, await _challenge(client, row.username, password), code=current_code(secret, steps_ahead=1)
        )
        assert unlocked.status_code == 200, unlocked.text
    new = await staff.reset_password_on_machine(row.username, actor="system:cli:tester")
    async with client_from(app) as client:
        old = await client.post("/api/v1/staff/token", json={"username": row.username, "password": password})
        assert old.json()["code"] == "auth.invalid_credentials"
        await StaffTotp.update({StaffTotp.last_step: 0}).where(StaffTotp.staff_id == row.id)
        answered = await _answer(
            client, await _challenge(client, row.username, new), code=current_code(secret, steps_ahead=1)
        )
        assert answered.json()["status"] == "setup_required", answered.text
        assert answered.json()["required"] == ["password_change"]
    actions = (
        await AuditEntry.select(AuditEntry.actor, AuditEntry.action)
        .where((AuditEntry.subject == f"staff:{row.id}") & AuditEntry.actor.like("system:cli:%"))
        .order_by(AuditEntry.seq)
    )
    assert [(a["actor"], a["action"]) for a in actions] == [
        ("system:cli:tester", "staff.unlocked"),
        ("system:cli:tester", "staff.password_reset"),
    ]
    with pytest.raises(StaffNotFound):
        await staff.unlock_on_machine("nobody-" + secrets.token_hex(4), actor="system:cli:tester")
