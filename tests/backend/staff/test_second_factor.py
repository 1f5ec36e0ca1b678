"""Staff second factor over HTTP on PostgreSQL + Redis: an operator's first login can only enrol; the
secret is shown once and sealed at rest; sign-in becomes password → single-use challenge → code or
recovery code; a code counts once (the database decides); recovery codes are single use and
regenerable; replacing the factor asks for a code of it; everything is audited."""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

import httpx
import pytest
from litestar import Litestar

from backend.audit.tables import AuditEntry
from backend.crypto import SealedValueCorrupt
from backend.staff.tables import StaffTotp
from tests.backend.citizen.factories import client_from
from tests.backend.staff.factories import bearer, current_code, enrol, make_staff, staff_login
from tests.services import Services


async def _actions(staff_id: object) -> list[str]:
    rows = await (
        AuditEntry.select(AuditEntry.action)
        .where((AuditEntry.chain == "auth") & (AuditEntry.subject == f"staff:{staff_id}"))
        .order_by(AuditEntry.seq)
    )
    return [row["action"] for row in rows]


async def _password(client: httpx.AsyncClient, username: str, password: str) -> dict[str, Any]:
    response = await client.post("/api/v1/staff/token", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _second(client: httpx.AsyncClient, challenge: str, **proof: str) -> httpx.Response:
    return await client.post("/api/v1/staff/token/second-factor", json={"challenge": challenge, **proof})


async def test_an_operators_first_login_enrols_and_then_signs_in_with_the_code(
    app: Litestar, services: Services
) -> None:
    row, password = await make_staff(services, role="operator")
    async with client_from(app) as client:
        first = await _password(client, row.username, password)
        assert first["status"] == "setup_required"
        assert first["required"] == ["second_factor_enrolment"]
        restricted = bearer(first["access_token"])
        assert (await client.get("/api/v1/staff/me/sessions", headers=restricted)).status_code == 403
        me = await client.get("/api/v1/staff/me", headers=restricted)
        assert me.json()["required"] == ["second_factor_enrolment"]

        started = await client.post("/api/v1/staff/me/second-factor/totp", json={}, headers=restricted)
        assert started.status_code == 201, started.text
        secret = started.json()["secret"]
        assert started.json()["otpauth_uri"].startswith(
            f"otpauth://totp/My%20Suqian:{row.username}?secret={secret}"
        )
        assert started.headers["cache-control"] == "no-store"
        wrong = await client.post(
            "/api/v1/staff/me/second-factor/totp/confirm",
            json={"code": current_code(secret, steps_ahead=5)},
            headers=restricted,
        )
        assert wrong.status_code == 422
        assert wrong.json()["code"] == "staff.enrolment_code_wrong"
        confirmed = await client.post(
            "/api/v1/staff/me/second-factor/totp/confirm",
            json={"code": current_code(secret)},
            headers=restricted,
        )
        assert confirmed.status_code == 200, confirmed.text
        body = confirmed.json()
        assert len(body["recovery_codes"]) == services.staff_settings.recovery_codes
        assert body["required"] == []
        assert body["session"]["status"] == "authenticated"
        # The restricted token ended with the enrolment; the session it became works.
        assert (await client.get("/api/v1/staff/me", headers=restricted)).status_code == 401
        full = bearer(body["session"]["access_token"])
        assert (await client.get("/api/v1/admin/staff", headers=full)).status_code == 200

        again = await _password(client, row.username, password)
        assert again["status"] == "second_factor_required"
        assert again["methods"] == ["totp", "recovery_code"]
        assert "access_token" not in again
        # The code that confirmed the enrolment was spent: the next step's is accepted (±1 step).
        signed_in = await _second(client, again["challenge"], code=current_code(secret, steps_ahead=1))
        assert signed_in.status_code == 200, signed_in.text
        assert signed_in.json()["status"] == "authenticated"
        principal = await services.tokens.authenticate(signed_in.json()["access_token"])
        assert principal.roles == frozenset({"operator"})
    actions = await _actions(row.id)
    assert "staff.second_factor_enrolled" in actions
    assert actions.count("staff.login") == 3  # restricted, after enrolment, with the code
    assert "staff.login_challenged" in actions


async def test_the_secret_is_sealed_at_rest_and_bound_to_its_member(
    services: Services, app: Litestar
) -> None:
    row, _, _, secret = await staff_login(app, services, role="operator")
    assert secret is not None
    stored = await StaffTotp.select(StaffTotp.secret).where(StaffTotp.staff_id == row.id).first()
    assert stored is not None
    assert secret not in stored["secret"]
    assert stored["secret"].startswith("v1.")
    assert services.cipher.open(stored["secret"], column=f"staff_totp:{row.id}") == secret
    other, _ = await make_staff(services)
    with pytest.raises(SealedValueCorrupt):
        services.cipher.open(stored["secret"], column=f"staff_totp:{other.id}")


async def test_a_code_is_accepted_once_even_by_requests_racing_with_it(
    app: Litestar, services: Services
) -> None:
    row, password, _, secret = await staff_login(app, services, role="operator")
    assert secret is not None
    code = current_code(secret, steps_ahead=1)
    async with client_from(app) as client:
        challenges = [(await _password(client, row.username, password))["challenge"] for _ in range(4)]
        answers = await asyncio.gather(*(_second(client, c, code=code) for c in challenges))
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [200, 401, 401, 401]
    assert {a.json()["code"] for a in answers if a.status_code == 401} == {"staff.second_factor_invalid"}


async def test_a_challenge_is_single_use_and_takes_a_few_codes_at_most(
    app: Litestar, services: Services
) -> None:
    row, password, _, secret = await staff_login(app, services, role="operator")
    assert secret is not None
    async with client_from(app) as client:
        challenge = (await _password(client, row.username, password))["challenge"]
        for _ in range(services.staff_settings.challenge_attempts):
            wrong = await _second(
                client, challenge, code="000000" if current_code(secret) != "000000" else "111111"
            )
            assert wrong.status_code == 401
            assert wrong.json()["code"] == "staff.second_factor_invalid"
        spent = await _second(client, challenge, code=current_code(secret, steps_ahead=1))
        assert spent.status_code == 401
        assert spent.json()["code"] == "staff.challenge_invalid"
    # (That address has used up its free failures; the owner's other one has not.)
    async with client_from(app) as client:
        challenge = (await _password(client, row.username, password))["challenge"]
        assert (await _second(client, challenge, code=current_code(secret, steps_ahead=1))).status_code == 200
        replayed = await _second(client, challenge, code=current_code(secret, steps_ahead=1))
        assert replayed.json()["code"] == "staff.challenge_invalid"
        unknown = await _second(client, secrets.token_urlsafe(32), code="123456")
        assert unknown.json()["code"] == "staff.challenge_invalid"
        live = (await _password(client, row.username, password))["challenge"]
        both = await _second(client, live, code="123456", recovery_code="abcd-efgh-ijkl-mnop")
        assert both.status_code == 422
        assert both.json()["code"] == "staff.second_factor_proof_invalid"
    assert "staff.second_factor_failed" in await _actions(row.id)


async def test_recovery_codes_sign_in_once_each_and_can_be_regenerated(
    app: Litestar, services: Services
) -> None:
    row, password = await make_staff(services, role="operator")
    async with client_from(app) as client:
        restricted = (await _password(client, row.username, password))["access_token"]
        secret, codes, confirmed = await enrol(client, restricted)
        full = bearer(confirmed["session"]["access_token"])

        challenge = (await _password(client, row.username, password))["challenge"]
        assert (await _second(client, challenge, recovery_code=codes[0].upper())).status_code == 200
        me = await client.get("/api/v1/staff/me", headers=full)
        assert me.json()["second_factor"]["recovery_codes_left"] == len(codes) - 1
        challenge = (await _password(client, row.username, password))["challenge"]
        used = await _second(client, challenge, recovery_code=codes[0])
        assert used.json()["code"] == "staff.second_factor_invalid"

        # Regenerating asks for a code of the factor first (a stolen access token is not enough).
        path = "/api/v1/staff/me/second-factor/recovery-codes"
        refused = await client.post(path, json={"code": "000000"}, headers=full)
        assert refused.status_code == 403
        assert refused.json()["code"] == "staff.step_up_failed"
        fresh = await client.post(path, json={"recovery_code": codes[1]}, headers=full)
        assert fresh.status_code == 200, fresh.text
        new_codes = fresh.json()["recovery_codes"]
        assert set(new_codes).isdisjoint(codes)
        challenge = (await _password(client, row.username, password))["challenge"]
        assert (await _second(client, challenge, recovery_code=codes[2])).status_code == 401
        assert (await _second(client, challenge, recovery_code=new_codes[0])).status_code == 200
        assert secret
    actions = await _actions(row.id)
    assert actions.count("staff.recovery_code_used") == 3
    assert "staff.recovery_codes_regenerated" in actions


async def test_replacing_an_enrolled_authenticator_asks_for_a_code_of_it(
    app: Litestar, services: Services
) -> None:
    row, _, session, secret = await staff_login(app, services, role="operator")
    assert secret is not None
    full = bearer(session["access_token"])
    async with client_from(app) as client:
        bare = await client.post("/api/v1/staff/me/second-factor/totp", json={}, headers=full)
        assert bare.status_code == 422  # no proof at all
        assert bare.json()["code"] == "staff.second_factor_proof_invalid"
        started = await client.post(
            "/api/v1/staff/me/second-factor/totp",
            json={"code": current_code(secret, steps_ahead=1)},
            headers=full,
        )
        assert started.status_code == 201, started.text
        new_secret = started.json()["secret"]
        confirmed = await client.post(
            "/api/v1/staff/me/second-factor/totp/confirm",
            json={"code": current_code(new_secret)},
            headers=full,
        )
        assert confirmed.status_code == 200
        assert confirmed.json()["session"] is None  # already in a session: it goes on
    stored = await StaffTotp.select(StaffTotp.secret).where(StaffTotp.staff_id == row.id).first()
    assert stored is not None
    assert services.cipher.open(stored["secret"], column=f"staff_totp:{row.id}") == new_secret


async def test_counter_staff_sign_in_with_the_password_alone_unless_they_enrolled(
    app: Litestar, services: Services
) -> None:
    row, password, session, secret = await staff_login(app, services, role="counter")
    assert secret is None
    async with client_from(app) as client:
        _, _, _ = await enrol(client, session["access_token"], password=password)
        assert (await _password(client, row.username, password))["status"] == "second_factor_required"


async def test_wrong_codes_are_throttled_like_passwords(app: Litestar, services: Services) -> None:
    row, password, _, secret = await staff_login(app, services, role="operator")
    assert secret is not None
    wrong = "000000" if current_code(secret) != "000000" else "111111"
    statuses = []
    async with client_from(app) as client:
        for _ in range(services.auth_settings.login_free_failures + 1):
            challenge = (await _password(client, row.username, password))["challenge"]
            statuses.append((await _second(client, challenge, code=wrong)).status_code)
        assert statuses[-1] == 429
        challenge = (await _password(client, row.username, password))["challenge"]
        throttled = await _second(client, challenge, code=current_code(secret, steps_ahead=1))
        assert throttled.status_code == 429
        assert throttled.json()["code"] == "auth.login_throttled"
        assert int(throttled.headers["retry-after"]) > 0
    # The owner at another address is not held back by those failures.
    async with client_from(app) as owner:
        challenge = (await _password(owner, row.username, password))["challenge"]
        assert (await _second(owner, challenge, code=current_code(secret, steps_ahead=1))).status_code == 200
