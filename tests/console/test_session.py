"""The console session's small rules, without a browser: where sign-in may send a member back to."""

from __future__ import annotations

import pytest

from backend.console.session import safe_next, sign_in_url


@pytest.mark.parametrize(
    ("asked", "followed"),
    [
        ("/console/staff", "/console/staff"),
        ("/console/audit?chain=auth", "/console/audit?chain=auth"),
        ("/console", "/console"),
        (None, "/console"),
        ("", "/console"),
        ("https://evil.example/console", "/console"),
        ("//evil.example/console", "/console"),
        ("/consolex/phish", "/console"),
        ("/console\\@evil.example", "/console"),
        ("/console/\r\nset-cookie:x", "/console"),
        ("/console/sign-in?next=/console/sign-in", "/console"),
        ("/console/renew?next=/console", "/console"),
        ("/api/v1/admin/staff", "/console"),
    ],
)
def test_only_a_console_page_of_this_site_is_followed_after_sign_in(asked: str | None, followed: str) -> None:
    assert safe_next(asked) == followed


def test_the_sign_in_address_carries_the_page_quoted() -> None:
    assert sign_in_url("/console/audit?chain=auth") == "/console/sign-in?next=/console/audit%3Fchain%3Dauth"
    assert sign_in_url("//evil.example") == "/console/sign-in?next=/console"
