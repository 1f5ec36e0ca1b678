"""The console's browser session: which cookies hold it, and the CSRF token of its forms.

The session is the staff session the API gives (``backend.staff.login``): its access token in one
cookie (HttpOnly, SameSite=Strict, Path=/console, Secure over https), read by the app's one guard
(``Access.cookie``), and its refresh token in another, read only by ``/console/renew`` — so the
console expires exactly when the staff session does, and ending the session through the API or
another operator ends the console's too. Nothing is stored on the server for it.

Forms carry a CSRF token: inside a session, an HMAC of the session's id (stable across renewals)
under a key of its own; before one (the sign-in forms), a random value also set as a cookie
(double submit). SameSite=Strict already keeps the cookies off other sites' requests; the token is
the second lock the issue asks for.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Any
from urllib.parse import quote

from litestar import Request, Response
from litestar.datastructures import Cookie

from backend.auth.principal import Principal
from backend.crypto import PersonalDataCipher

SESSION_COOKIE = "suqian_console"
REFRESH_COOKIE = "suqian_console_refresh"
PRE_SESSION_COOKIE = "suqian_console_csrf"
# The token of a login that still owes a password change or an enrolment (scope ``staff:account``
# alone, 10 min): read only by the setup pages.
SETUP_COOKIE = "suqian_console_setup"
SETUP_PATH = "/console/setup"
PATH = "/console"
CSRF_FIELD = "csrf"

AnyRequest = Request[Any, Any, Any]


class ConsoleSessions:
    """The CSRF token of a session's forms, derived (never stored) from the session's id; and how
    long the refresh cookie lives (the staff session's idle limit)."""

    def __init__(self, cipher: PersonalDataCipher, *, refresh_ttl: int, always_secure: bool) -> None:
        self._cipher = cipher
        self.refresh_ttl = refresh_ttl
        self._always_secure = always_secure

    def secure(self, request: AnyRequest) -> bool:
        """Cookies only over https: the request's own scheme, or always in production (where TLS ends
        at the proxy in front, and the app sees http)."""
        return self._always_secure or request.url.scheme == "https"

    def for_session(self, principal: Principal) -> str:
        # The session (refresh-token family) outlives each access token: a form rendered before a
        # renewal still posts after it. A token without a session (a test's) is its own.
        return self._cipher.blind_index(principal.sid or principal.jti, column="console.csrf")

    def matches(self, principal: Principal, submitted: str | None) -> bool:
        return bool(submitted) and hmac.compare_digest(self.for_session(principal), submitted or "")


def pre_session_token(request: AnyRequest) -> str:
    """The sign-in forms' token: the browser's own, or a new one (set by ``with_pre_session``)."""
    return request.cookies.get(PRE_SESSION_COOKIE) or secrets.token_urlsafe(32)


def pre_session_matches(request: AnyRequest, submitted: str | None) -> bool:
    held = request.cookies.get(PRE_SESSION_COOKIE)
    return bool(held) and bool(submitted) and hmac.compare_digest(held or "", submitted or "")


def _cookie(secure: bool, key: str, value: str, max_age: int, path: str = PATH) -> Cookie:
    return Cookie(
        key=key, value=value, max_age=max_age, path=path, httponly=True, samesite="strict", secure=secure
    )


def with_pre_session(response: Response[Any], secure: bool, token: str) -> Response[Any]:
    # 15 min: a sign-in page left open longer is reloaded (the code step's challenge lives 5).
    response.set_cookie(_cookie(secure, PRE_SESSION_COOKIE, token, 900))
    return response


def with_session(
    response: Response[Any],
    secure: bool,
    *,
    access_token: str,
    expires_in: int,
    refresh_token: str,
    refresh_ttl: int,
) -> Response[Any]:
    response.set_cookie(_cookie(secure, SESSION_COOKIE, access_token, expires_in))
    response.set_cookie(_cookie(secure, REFRESH_COOKIE, refresh_token, refresh_ttl, path=f"{PATH}/renew"))
    response.delete_cookie(PRE_SESSION_COOKIE, path=PATH)
    response.delete_cookie(SETUP_COOKIE, path=SETUP_PATH)
    return response


def with_setup(response: Response[Any], secure: bool, *, token: str, expires_in: int) -> Response[Any]:
    response.set_cookie(_cookie(secure, SETUP_COOKIE, token, expires_in, path=SETUP_PATH))
    return response


def without_setup(response: Response[Any]) -> Response[Any]:
    response.delete_cookie(SETUP_COOKIE, path=SETUP_PATH)
    return response


def without_session(response: Response[Any]) -> Response[Any]:
    response.delete_cookie(SESSION_COOKIE, path=PATH)
    response.delete_cookie(REFRESH_COOKIE, path=f"{PATH}/renew")
    return response


def safe_next(value: str | None) -> str:
    """Where to go after signing in: a console page of this site, nothing else (an open redirect
    would hand a phishing page the console's name)."""
    if (
        not value
        or not (value == PATH or value.startswith((f"{PATH}/", f"{PATH}?")))
        or value.startswith("//")
        or "\\" in value
        or any(ord(c) < 0x20 for c in value)
        or value.startswith(f"{PATH}/sign-in")
        or value.startswith(f"{PATH}/renew")
    ):
        return PATH
    return value


def sign_in_url(next_page: str) -> str:
    return f"{PATH}/sign-in?next={quote(safe_next(next_page), safe='/')}"
