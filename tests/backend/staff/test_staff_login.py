"""Staff log in with username and password; wrong passwords slow down the address that made them,
never the owner elsewhere; a known and an unknown username take the same steps; all is audited."""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from litestar import Litestar

from backend.audit.tables import AuditEntry
from backend.auth.errors import InvalidCredentials
from backend.settings import Settings
from backend.staff.repository import StaffRepository
from backend.staff.tables import StaffAccount
from tests.backend.citizen.factories import client_from
from tests.backend.staff.factories import bearer, citizen_token, make_staff, staff_token
from tests.services import Services


async def _actions(subject: str) -> list[str]:
    rows = await (
        AuditEntry.select(AuditEntry.action)
        .where((AuditEntry.chain == "auth") & (AuditEntry.subject == subject))
        .order_by(AuditEntry.seq)
    )
    return [row["action"] for row in rows]


async def _login(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    return await client.post("/api/v1/staff/token", json={"username": username, "password": password})


async def test_bootstrap_admin_is_an_operator_with_the_configured_password(
    web: httpx.AsyncClient, services: Services, settings: Settings
) -> None:
    configured = settings.secrets.bootstrap_admin_password
    assert configured
    assert await services.staff.bootstrap_admin(configured) is None  # configured: nothing to print
    response = await _login(web, "admin", configured)
    assert response.status_code == 200, response.text
    body = response.json()
    # A configured password sits in a configuration others may read: it is changed first; and an
    # operator enrols a second factor before anything else.
    assert (body["status"], body["role"], body["required"]) == (
        "setup_required",
        "operator",
        ["password_change", "second_factor_enrolment"],
    )
    assert "refresh_token" not in body
    principal = await services.tokens.authenticate(body["access_token"])
    assert principal.kind == "staff"
    assert principal.scopes == frozenset({"staff:account"})
    assert principal.roles == frozenset()
    refused = await web.get("/api/v1/admin/staff", headers=bearer(body["access_token"]))
    assert refused.status_code == 403
    assert refused.json()["code"] == "auth.insufficient_scope"


async def test_bootstrap_keeps_only_a_hash_and_never_replaces_an_existing_admin(
    services: Services, settings: Settings
) -> None:
    await services.staff.bootstrap_admin(settings.secrets.bootstrap_admin_password)
    before = await StaffAccount.select(StaffAccount.password_hash).where(StaffAccount.username == "admin")
    assert await services.staff.bootstrap_admin("another-password-entirely") is None
    after = await StaffAccount.select(StaffAccount.password_hash).where(StaffAccount.username == "admin")
    assert before == after
    assert after[0]["password_hash"].startswith("$argon2id$")
    assert settings.secrets.bootstrap_admin_password not in after[0]["password_hash"]


async def test_staff_login_answers_a_staff_token_carrying_the_role(
    web: httpx.AsyncClient, services: Services
) -> None:
    row, password = await make_staff(services, role="counter")
    response = await _login(web, row.username.upper(), password)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["status"], body["token_type"], body["role"]) == ("authenticated", "Bearer", "counter")
    assert body["refresh_token"].startswith("rt_")
    assert response.headers["cache-control"] == "no-store"
    principal = await services.tokens.authenticate(body["access_token"])
    assert (principal.kind, principal.id) == ("staff", row.id)
    assert principal.roles == frozenset({"counter"})
    assert principal.scopes == frozenset({"staff", "staff:account"})
    assert principal.sid is not None
    assert "staff.login" in await _actions(f"staff:{row.id}")


async def test_unknown_username_and_wrong_password_get_the_same_answer(
    web: httpx.AsyncClient, services: Services
) -> None:
    row, _ = await make_staff(services)
    wrong = await _login(web, row.username, "not-the-password")
    unknown = await _login(web, f"nobody-{secrets.token_hex(4)}", "not-the-password")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["code"] == unknown.json()["code"] == "auth.invalid_credentials"
    assert wrong.json()["detail"] == unknown.json()["detail"]


async def test_five_wrong_passwords_slow_down_only_the_address_that_made_them(
    app: Litestar, services: Services
) -> None:
    row, password = await make_staff(services, role="operator")
    async with client_from(app) as stranger, client_from(app) as owner:
        # Five: what locked the account for everyone for 15 minutes before.
        for _ in range(5):
            assert (await _login(stranger, row.username, "wrong-password")).status_code == 401
        # The administrator, from their own address, is not held back by the stranger's failures ...
        assert (await _login(owner, row.username, password)).status_code == 200
        # ... while the stranger's address waits, even with the right password.
        throttled = await _login(stranger, row.username, password)
        assert throttled.status_code == 429
        assert throttled.json()["code"] == "auth.login_throttled"
        assert 0 < int(throttled.headers["retry-after"]) <= services.auth_settings.login_first_delay
    actions = await _actions(f"staff:{row.id}")
    assert actions.count("staff.login_failed") == 5
    assert actions.count("staff.login") == 1


async def test_an_upper_cased_username_counts_on_the_same_account(app: Litestar, services: Services) -> None:
    row, password = await make_staff(services)
    free = services.auth_settings.login_free_failures
    async with client_from(app) as web:
        for _ in range(free):
            assert (await _login(web, row.username.upper(), "wrong-password")).status_code == 401
        assert (await _login(web, row.username, password)).status_code == 429
    assert (await _actions(f"staff:{row.id}")).count("staff.login_failed") == free


async def test_a_right_password_resets_the_count_of_wrong_ones(
    web: httpx.AsyncClient, services: Services
) -> None:
    row, password = await make_staff(services)
    free = services.auth_settings.login_free_failures
    for _ in range(free - 1):
        await _login(web, row.username, "wrong-password")
    assert (await _login(web, row.username, password)).status_code == 200
    for _ in range(free - 1):
        await _login(web, row.username, "wrong-password")
    assert (await _login(web, row.username, password)).status_code == 200


async def test_operator_creates_staff_and_a_taken_username_conflicts(
    app: Litestar, web: httpx.AsyncClient, services: Services
) -> None:
    token = await staff_token(app, services, role="operator")
    new = {
        "username": f"Counter-{secrets.token_hex(4)}",
        "display_name": "窗口一",
        "role": "counter",
        "password": secrets.token_urlsafe(12),
    }
    created = await web.post("/api/v1/admin/staff", json=new, headers=bearer(token))
    assert created.status_code == 201, created.text
    assert created.json()["username"] == new["username"].lower()
    assert new["password"] not in created.text
    assert "password_hash" not in created.json()
    # The operator knows the password they set: the member changes it at the first login.
    assert created.json()["must_change_password"] is True
    first = await _login(web, new["username"], new["password"])
    assert (first.json()["status"], first.json()["required"]) == ("setup_required", ["password_change"])
    again = await web.post("/api/v1/admin/staff", json=new, headers=bearer(token))
    assert again.status_code == 409
    assert again.json()["code"] == "staff.username_taken"
    listed = await web.get("/api/v1/admin/staff", params={"limit": 100}, headers=bearer(token))
    assert listed.status_code == 200


async def test_a_short_staff_password_is_refused(
    app: Litestar, web: httpx.AsyncClient, services: Services
) -> None:
    token = await staff_token(app, services, role="operator")
    new = {
        "username": f"c-{secrets.token_hex(4)}",
        "display_name": "x",
        "role": "counter",
        "password": "short",
    }
    response = await web.post("/api/v1/admin/staff", json=new, headers=bearer(token))
    assert response.status_code == 422
    assert response.json()["code"] == "staff.password_too_short"


async def test_counter_staff_cannot_administer_staff(
    app: Litestar, web: httpx.AsyncClient, services: Services
) -> None:
    token = await staff_token(app, services, role="counter")
    response = await web.get("/api/v1/admin/staff", headers=bearer(token))
    assert response.status_code == 403
    assert response.json()["code"] == "auth.missing_role"


async def test_a_citizen_token_is_refused_on_staff_admin_routes(
    web: httpx.AsyncClient, services: Services
) -> None:
    response = await web.get("/api/v1/admin/staff", headers=bearer(await citizen_token(services)))
    assert response.status_code == 403
    assert response.json()["code"] == "auth.wrong_principal_kind"


async def test_a_parallel_burst_of_wrong_passwords_from_one_address_checks_at_most_five(
    app: Litestar, services: Services
) -> None:
    row, password = await make_staff(services)
    free = services.auth_settings.login_free_failures
    async with client_from(app) as burst:
        responses = await asyncio.gather(*(_login(burst, row.username, f"guess-{n}") for n in range(12)))
        statuses = [response.status_code for response in responses]
        assert statuses.count(401) <= free
        assert statuses.count(429) >= 12 - free
        assert set(statuses) == {401, 429}
        assert {r.json()["code"] for r in responses if r.status_code == 429} == {"auth.login_throttled"}
        assert (await _login(burst, row.username, password)).status_code == 429
    async with client_from(app) as owner:
        assert (await _login(owner, row.username, password)).status_code == 200
    actions = await _actions(f"staff:{row.id}")
    assert actions.count("staff.login_failed") == statuses.count(401)


async def test_an_unknown_username_answers_exactly_like_a_real_one_before_and_after_the_throttle(
    app: Litestar, services: Services
) -> None:
    row, _ = await make_staff(services)
    unknown = f"nobody-{secrets.token_hex(4)}"
    async with client_from(app) as web:
        for _ in range(services.auth_settings.login_free_failures):
            real = await _login(web, row.username, "wrong-password")
            fake = await _login(web, unknown, "wrong-password")
            assert (real.status_code, real.json()["code"]) == (fake.status_code, fake.json()["code"])
            assert real.status_code == 401
        real = await _login(web, row.username, "wrong-password")
        fake = await _login(web, unknown, "wrong-password")
    assert real.status_code == fake.status_code == 429
    assert real.json()["code"] == fake.json()["code"] == "auth.login_throttled"
    assert real.json()["detail"] == fake.json()["detail"]
    first_delay = services.auth_settings.login_first_delay
    assert 0 < int(real.headers["retry-after"]) <= first_delay
    assert 0 < int(fake.headers["retry-after"]) <= first_delay


async def test_an_unknown_username_pays_for_a_password_check(
    web: httpx.AsyncClient, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked: list[str | None] = []
    verify = services.passwords.verify

    async def spy(password_hash: str | None, password: str) -> bool:
        checked.append(password_hash)
        return await verify(password_hash, password)

    monkeypatch.setattr(services.passwords, "verify", spy)
    response = await _login(web, f"nobody-{secrets.token_hex(4)}", "not-the-password")
    assert response.status_code == 401
    assert checked == [None]  # None: the dummy hash is verified instead


async def test_successful_staff_logins_leave_the_address_budget_alone(
    web: httpx.AsyncClient, services: Services, settings: Settings
) -> None:
    # A hall's counter staff share one NAT address and log in all morning: only failures may count.
    row, password = await make_staff(services, role="counter")
    for _ in range(services.auth_settings.login_failures_per_address + 2):
        assert (await _login(web, row.username, password)).status_code == 200


async def _steps_of_a_failed_login(
    services: Services, monkeypatch: pytest.MonkeyPatch, username: str
) -> list[str]:
    """Every step of one failed staff login that could cost time: repository calls, SQL statements
    (their text, not their values), store operations on login keys, transactions and Argon2 checks."""
    steps: list[str] = []
    task = asyncio.current_task()
    with monkeypatch.context() as patch:
        for name in ("find_by_username", "find", "list", "create", "set_password_hash"):
            original_method = getattr(StaffRepository, name)

            def method_spy(original: Any, label: str) -> Any:
                async def spy(*args: Any, **kwargs: Any) -> Any:
                    steps.append(label)
                    return await original(*args, **kwargs)

                return spy

            patch.setattr(StaffRepository, name, method_spy(original_method, f"repository.{name}"))

        # On the class: the engine's instances have slots. Other tasks (background jobs) pass by.
        engine = type(services.engine)
        run_querystring, open_transaction = engine.run_querystring, engine.transaction

        async def sql_spy(self: Any, querystring: Any, *args: Any, **kwargs: Any) -> Any:
            if asyncio.current_task() is task:
                steps.append("sql " + querystring.compile_string(engine_type=self.engine_type)[0])
            return await run_querystring(self, querystring, *args, **kwargs)

        def transaction_spy(self: Any, *args: Any, **kwargs: Any) -> Any:
            if asyncio.current_task() is task:
                steps.append("transaction")
            return open_transaction(self, *args, **kwargs)

        patch.setattr(engine, "run_querystring", sql_spy)
        patch.setattr(engine, "transaction", transaction_spy)

        store = services.store
        for name in ("get", "get_many", "set", "set_if_absent", "incr", "delete", "ttl"):

            def store_spy(original: Any, label: str) -> Any:
                async def spy(*args: Any, **kwargs: Any) -> Any:
                    if asyncio.current_task() is task:
                        steps.append(label)
                    return await original(*args, **kwargs)

                return spy

            patch.setattr(store, name, store_spy(getattr(store, name), f"store.{name}"))

        verify = PasswordHasher.verify

        def hasher_spy(self: PasswordHasher, *args: Any, **kwargs: Any) -> Any:
            steps.append("argon2.verify")
            return verify(self, *args, **kwargs)

        patch.setattr(PasswordHasher, "verify", hasher_spy)
        with pytest.raises(InvalidCredentials):
            await services.staff_login.password(
                username, "not-the-password", client=f"192.0.2.{secrets.randbelow(256)}"
            )
    return steps


async def test_an_unknown_username_takes_the_same_steps_as_a_wrong_password(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Constant work (issue 21 row 13): the same hash, the same round trips to the database and the
    # store, so the answer's timing can't tell a real username from an unknown one. Counted, not timed.
    row, _ = await make_staff(services)
    known = await _steps_of_a_failed_login(services, monkeypatch, row.username)
    unknown = await _steps_of_a_failed_login(services, monkeypatch, f"nobody-{secrets.token_hex(4)}")
    assert known == unknown
    assert known.count("argon2.verify") == 1
    assert known.count("repository.find_by_username") == 1
    assert any(step.startswith("sql ") for step in known)
    assert "store.incr" in known
