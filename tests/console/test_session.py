"""The console session's small rules, without a browser: where sign-in may send a member back to, and
what a throttled sign-in page keeps of its answer."""

from __future__ import annotations

import pytest

from backend.auth.errors import LoginThrottled
from backend.console.controller.sign_in import _again
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


def test_a_throttled_sign_in_page_keeps_the_retry_after_header() -> None:
    page = _again("sign_in.html", LoginThrottled(retry_after=42), csrf="t", next="/console", username="a")
    assert (page.status_code, page.headers["retry-after"]) == (429, "42")
    assert page.headers["cache-control"] == "no-store"
