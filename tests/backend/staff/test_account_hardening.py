"""The review's low findings on staff accounts: an operator-set password must change (and not to
itself); a first factor enrolled from a session asks for the password; a failed password check is
audited."""

from __future__ import annotations

import secrets

from litestar import Litestar

from backend.audit.tables import AuditEntry
from backend.staff.repository import StaffRepository
from backend.staff.tables import StaffAccount
from tests.backend.citizen.factories import client_from
from tests.backend.staff.factories import bearer, enrol, make_staff, staff_login
from tests.services import Services


async def test_a_created_account_must_change_its_password_and_not_to_the_same(
    app: Litestar, services: Services
) -> None:
    row, password = await make_staff(services, password_changed=False)
    assert row.must_change_password
    async with client_from(app) as client:
        first = await client.post(
            "/api/v1/staff/token", json={"username": row.username, "password": password}
        )
        assert (first.json()["status"], first.json()["required"]) == ("setup_required", ["password_change"])
        token = bearer(first.json()["access_token"])
        same = await client.post(
            "/api/v1/staff/me/password",
            json={"current_password": password, "new_password": password},
            headers=token,
        )
        assert same.status_code == 422, same.text
        assert same.json()["code"] == "staff.password_unchanged"
        changed = await client.post(
            "/api/v1/staff/me/password",
            json={"current_password": password, "new_password": f"New-{secrets.token_urlsafe(12)}"},
            headers=token,
        )
        assert changed.status_code == 200, changed.text
        assert changed.json()["session"]["status"] == "authenticated"


async def test_a_configured_bootstrap_password_must_change_a_generated_one_need_not(
    services: Services,
) -> None:
    repository = StaffRepository(services.engine)
    existing = await repository.find_by_username("admin")
    aside = f"admin-{secrets.token_hex(4)}"
    if existing is not None:  # set the app's admin aside while this test creates its own
        await StaffAccount.update({StaffAccount.username: aside}).where(StaffAccount.id == existing.id)
    try:
        must_change = {}
        for configured in (f"Configured-{secrets.token_urlsafe(12)}", None):
            await services.staff.bootstrap_admin(configured)
            admin = await repository.find_by_username("admin")
            assert admin is not None
            must_change[configured is not None] = admin.must_change_password
            await StaffAccount.delete().where(StaffAccount.id == admin.id)
        assert must_change == {True: True, False: False}
    finally:
        if existing is not None:
            await StaffAccount.update({StaffAccount.username: "admin"}).where(StaffAccount.id == existing.id)


async def test_a_first_factor_from_a_session_asks_for_the_current_password(
    app: Litestar, services: Services
) -> None:
    row, password, session, _ = await staff_login(app, services, role="counter")
    token = bearer(session["access_token"])
    async with client_from(app) as client:
        bare = await client.post("/api/v1/staff/me/second-factor/totp", json={}, headers=token)
        assert bare.status_code == 403, bare.text
        assert bare.json()["code"] == "staff.reauthentication_required"
        wrong = await client.post(
            "/api/v1/staff/me/second-factor/totp", json={"current_password": "not-it-" * 3}, headers=token
        )
        assert wrong.status_code == 403, wrong.text
        assert wrong.json()["code"] == "staff.current_password_wrong"
        await enrol(client, session["access_token"], password=password)
    failed = await AuditEntry.count().where(
        (AuditEntry.subject == f"staff:{row.id}") & (AuditEntry.action == "staff.password_check_failed")
    )
    assert failed == 1


async def test_a_wrong_current_password_at_a_password_change_is_audited(
    app: Litestar, services: Services
) -> None:
    row, _, session, _ = await staff_login(app, services)
    async with client_from(app) as client:
        wrong = await client.post(
            "/api/v1/staff/me/password",
            json={"current_password": "not-the-password", "new_password": f"New-{secrets.token_urlsafe(12)}"},
            headers=bearer(session["access_token"]),
        )
        assert wrong.status_code == 403
    failed = await AuditEntry.count().where(
        (AuditEntry.subject == f"staff:{row.id}") & (AuditEntry.action == "staff.password_check_failed")
    )
    assert failed == 1
