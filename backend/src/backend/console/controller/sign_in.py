"""Signing in to the console exactly as the staff API does (``backend.staff.login``): the password,
then a code of the authenticator (or a recovery code) for the challenge; the session it answers
goes into the console's cookies. Renewal and sign-out."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Redirect

from backend.access import ANYONE
from backend.auth.errors import (
    InvalidCredentials,
    KeysUnavailable,
    LoginThrottled,
    RefreshThrottled,
    RefreshTokenRejected,
)
from backend.auth.principal import Principal
from backend.auth.tokens import TokenService
from backend.console.controller.forms import field, session_form, sign_in_form
from backend.console.errors import CsrfInvalid, FormInvalid
from backend.console.pages import MEMBER, render
from backend.console.session import (
    PATH,
    PRE_SESSION_COOKIE,
    REFRESH_COOKIE,
    SETUP_PATH,
    ConsoleSessions,
    pre_session_token,
    safe_next,
    sign_in_url,
    with_pre_session,
    with_session,
    with_setup,
    without_session,
)
from backend.errors import DomainError
from backend.staff.errors import SECOND_STEP_ERRORS
from backend.staff.login import Authenticated, Challenged, SetupOwed, StaffLogin
from backend.staff.second_factor import Proof
from backend.web import client_address

AnyRequest = Request[Any, Any, Any]
Login = NamedDependency[StaffLogin]
Console = NamedDependency[ConsoleSessions]
Next = FromQuery[str | None]
_PASSWORD_ERRORS = (InvalidCredentials, LoginThrottled, KeysUnavailable)


def signed_in(
    request: AnyRequest, result: Authenticated, next_page: str, console: ConsoleSessions
) -> Response[Any]:
    response = Redirect(safe_next(next_page), status_code=303)
    return with_session(
        response,
        console.secure(request),
        access_token=result.pair.access_token,
        expires_in=result.pair.expires_in,
        refresh_token=result.pair.refresh_token,
        refresh_ttl=console.refresh_ttl,
    )


def _setup_owed(
    request: AnyRequest, result: SetupOwed, next_page: str, console: ConsoleSessions
) -> Response[Any]:
    """A login that owes a password change or an enrolment: its restricted token goes to the setup
    pages (``controller/setup.py``), which settle it as the API's account routes do."""
    response = Redirect(f"{SETUP_PATH}?next={quote(next_page, safe='/')}", status_code=303)
    return with_setup(
        response, console.secure(request), token=result.token.token, expires_in=result.token.expires_in
    )


class ConsoleSignInController(Controller):
    path = PATH
    include_in_schema = False

    @get("/sign-in", access=ANYONE)
    async def sign_in_page(self, request: AnyRequest, console: Console, next: Next = None) -> Response[str]:
        token = pre_session_token(request)
        page = render("sign_in.html", csrf=token, next=safe_next(next), error=None, username="")
        return with_pre_session(page, console.secure(request), token)

    @post("/sign-in", access=ANYONE, errors=(*_PASSWORD_ERRORS, CsrfInvalid, FormInvalid))
    async def sign_in(self, request: AnyRequest, login: Login, console: Console) -> Response[Any]:
        fields = await sign_in_form(request)
        csrf, next_page = request.cookies[PRE_SESSION_COOKIE], safe_next(fields.get("next"))
        username = fields.get("username", "")
        try:
            result = await login.password(
                field(fields, "username"), field(fields, "password"),
                client=client_address(request), user_agent=request.headers.get("user-agent"),
            )  # fmt: skip
        except _PASSWORD_ERRORS as error:
            return _again("sign_in.html", error, csrf=csrf, next=next_page, username=username)
        if isinstance(result, Challenged):
            return render(
                "second_factor.html", csrf=csrf, next=next_page, challenge=result.challenge, error=None
            )
        if isinstance(result, SetupOwed):
            return _setup_owed(request, result, next_page, console)
        return signed_in(request, result, next_page, console)

    @post(
        "/sign-in/second-factor",
        access=ANYONE,
        errors=(*SECOND_STEP_ERRORS, *_PASSWORD_ERRORS, CsrfInvalid, FormInvalid),
    )
    async def second_factor(self, request: AnyRequest, login: Login, console: Console) -> Response[Any]:
        fields = await sign_in_form(request)
        csrf, next_page = request.cookies[PRE_SESSION_COOKIE], safe_next(fields.get("next"))
        challenge = field(fields, "challenge")
        code, recovery = fields.get("code", "").strip(), fields.get("recovery_code", "").strip()
        try:
            result = await login.second_factor(
                challenge, Proof(code=code or None, recovery_code=recovery or None),
                client=client_address(request), user_agent=request.headers.get("user-agent"),
            )  # fmt: skip
        except (*SECOND_STEP_ERRORS, *_PASSWORD_ERRORS) as error:
            return _again("second_factor.html", error, csrf=csrf, next=next_page, challenge=challenge)
        if isinstance(result, SetupOwed):
            return _setup_owed(request, result, next_page, console)
        return signed_in(request, result, next_page, console)

    @get("/renew", access=ANYONE, errors=(RefreshTokenRejected, RefreshThrottled, KeysUnavailable))
    async def renew(
        self,
        request: AnyRequest,
        login: Login,
        console: Console,
        next: Next = None,
    ) -> Response[Any]:
        """Trade the refresh cookie for a new session and go back to ``next``; without one (or with
        one the staff session no longer honours), to sign-in."""
        refresh = request.cookies.get(REFRESH_COOKIE)
        if not refresh:
            # Nothing to end: a link from another site (which carries no cookie, SameSite=Strict)
            # must not sign a member out, so the cookies stay as they are.
            return Redirect(sign_in_url(next or PATH), status_code=303)
        try:
            result = await login.refresh(
                refresh, client=client_address(request), user_agent=request.headers.get("user-agent")
            )
        except RefreshTokenRejected:
            return without_session(Redirect(sign_in_url(next or PATH), status_code=303))
        return signed_in(request, result, next or PATH, console)

    @post("/sign-out", access=MEMBER, errors=(CsrfInvalid, FormInvalid))
    async def sign_out(
        self, request: AnyRequest, principal: NamedDependency[Principal], console: Console,
        tokens: NamedDependency[TokenService],
    ) -> Response[Any]:  # fmt: skip
        await session_form(request, principal, console)
        await tokens.logout(principal)
        return without_session(Redirect(f"{PATH}/sign-in", status_code=303))

    @get("/", access=MEMBER)
    async def home(self, principal: NamedDependency[Principal], console: Console) -> Response[str]:
        return render("home.html", principal=principal, csrf=console.for_session(principal))


def _again(template: str, error: DomainError, **context: Any) -> Response[str]:
    """The form again, with what went wrong (its code and detail), keeping what was typed but secrets;
    with the headers the error's answer carries (``Retry-After`` of a throttled sign-in)."""
    page = render(template, error=error, status=error.status, **context)
    page.headers.update(error.headers())
    return page
