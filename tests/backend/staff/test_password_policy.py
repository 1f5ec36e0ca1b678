"""The staff password policy: length, not the username, not common (a bundled list, nothing fetched),
for creation, resets and changes alike."""

from __future__ import annotations

import secrets

import httpx
import pytest
from litestar import Litestar

from backend.errors import Invalid
from backend.staff.errors import PasswordContainsUsername, PasswordTooCommon, PasswordTooShort
from backend.staff.password_policy import check_password, common_passwords
from tests.backend.staff.factories import bearer, staff_token
from tests.services import Services


def test_the_common_list_ships_in_the_package() -> None:
    listed = common_passwords()
    assert len(listed) > 5000
    assert {"password", "qwertyuiop", "iloveyou", "woaini", "administrator"} <= listed


@pytest.mark.parametrize(
    ("password", "refused"),
    [
        ("short-one", PasswordTooShort),
        ("clerk-wang-2026!", PasswordContainsUsername),
        ("Password123456", PasswordTooCommon),
        ("qwertyuiop!!", PasswordTooCommon),
        ("!!iloveyou2026", PasswordTooCommon),
        ("123456789012", PasswordTooCommon),
        ("aaaaaaaaaaaa", PasswordTooCommon),
        ("abcabcabcabc", PasswordTooCommon),
        ("passwordpassword", PasswordTooCommon),
        ("zyxwvutsrqpo", PasswordTooCommon),
        ("suqian-is-my-city", PasswordTooCommon),
    ],
)
def test_weak_passwords_are_refused_with_the_rule_they_break(password: str, refused: type[Invalid]) -> None:
    with pytest.raises(refused):
        check_password(password, username="clerk-wang", min_length=12)


@pytest.mark.parametrize(
    "password", ["correct horse battery staple", "宿迁市民中心窗口三号的夜班", "Tq7-vmX2-9wLp"]
)
def test_long_uncommon_passwords_pass(password: str) -> None:
    check_password(password, username="clerk-wang", min_length=12)


async def test_creating_staff_applies_the_policy(
    app: Litestar, client: httpx.AsyncClient, services: Services
) -> None:
    operator = bearer(await staff_token(app, services, role="operator"))
    username = f"c-{secrets.token_hex(4)}"
    for password, code in [
        ("letmein12345", "staff.password_too_common"),
        (f"{username}-secret", "staff.password_contains_username"),
    ]:
        new = {"username": username, "display_name": "x", "role": "counter", "password": password}
        response = await client.post("/api/v1/admin/staff", json=new, headers=operator)
        assert response.status_code == 422, response.text
        assert response.json()["code"] == code


async def test_a_weak_configured_bootstrap_password_is_refused(services: Services) -> None:
    # The operator exists in the session's database already; a fresh one is what the rule guards.
    with pytest.raises(PasswordTooShort):
        services.staff.check_password("admin", username="admin")
    with pytest.raises(PasswordContainsUsername):
        services.staff.check_password("admin-password-2026", username="admin")
