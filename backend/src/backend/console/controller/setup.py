"""Settling what a login owes before the console opens — a new password in place of an operator-set
one, a first authenticator for a role that must have one (ADR 9) — with the restricted token the
password step gave, through ``StaffService`` and ``SecondFactors`` as ``/api/v1/staff/me`` does; the
last step settled answers the session (``StaffLogin.settled``), and the console opens."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Redirect

from backend.auth.errors import InvalidCredentials, KeysUnavailable, LoginThrottled
from backend.auth.guards import staff as staff_access
from backend.auth.principal import STAFF_ACCOUNT_SCOPE, Principal
from backend.console.controller.forms import field, session_form
from backend.console.controller.sign_in import signed_in
from backend.console.errors import CsrfInvalid, FormInvalid
from backend.console.pages import render
from backend.console.session import (
    SETUP_COOKIE,
    SETUP_PATH,
    ConsoleSessions,
    safe_next,
    sign_in_url,
    without_setup,
)
from backend.fields import explain
from backend.staff.errors import (
    STEP_UP_ERRORS,
    CurrentPasswordWrong,
    EnrolmentCodeWrong,
    EnrolmentNotStarted,
    PasswordRefused,
    ReauthenticationRequired,
    StaffNotFound,
)
from backend.staff.login import StaffLogin
from backend.staff.schemas import PasswordChange
from backend.staff.second_factor import SecondFactors
from backend.staff.service import StaffService
from backend.web import client_address

AnyRequest = Request[Any, Any, Any]
Caller = NamedDependency[Principal]
Console = NamedDependency[ConsoleSessions]
Login = NamedDependency[StaffLogin]
# Who may settle: the restricted token of a login, in the setup cookie (the API's account routes take
# the same scope).
SETUP = staff_access(scopes=(STAFF_ACCOUNT_SCOPE,), cookie=SETUP_COOKIE)
_SETTLING = (StaffNotFound, InvalidCredentials, KeysUnavailable)
_FORM = (CsrfInvalid, FormInvalid)


async def _settled(
    request: AnyRequest, principal: Principal, login: StaffLogin, console: ConsoleSessions, next_page: str,
    *, recovery_codes: list[str] | None = None,
) -> Response[Any]:  # fmt: skip
    """What the account still owes (the setup page again), or its session: the console opens. New
    recovery codes are shown on this answer only, whichever it is."""
    required, session = await login.settled(
        principal, client=client_address(request), user_agent=request.headers.get("user-agent")
    )
    target = safe_next(next_page)
    if session is not None:
        answer: Response[Any] = signed_in(request, session, target, console)
        go_on = target
    elif required:
        answer, go_on = Redirect(f"{SETUP_PATH}?next={quote(target, safe='/')}", status_code=303), SETUP_PATH
    else:  # settled by another token meanwhile: this one ended
        answer = without_setup(Redirect(sign_in_url(target), status_code=303))
        go_on = sign_in_url(target)
    if recovery_codes is None:
        return answer
    page = render("recovery_codes.html", codes=recovery_codes, next=go_on)
    for cookie in answer.cookies:
        page.set_cookie(cookie)
    return page


class ConsoleSetupController(Controller):
    path = SETUP_PATH
    include_in_schema = False
    opt = {"access": SETUP}  # noqa: RUF012 (Litestar's declaration style)

    @get("/", errors=_SETTLING)
    async def owed(
        self, principal: Caller, login: Login, console: Console, next: FromQuery[str | None] = None
    ) -> Response[str]:
        await login.account(principal)  # a setup token another step superseded: sign in again
        return render(
            "setup.html", csrf=console.for_session(principal), required=await login.owed_by(principal.id),
            enrolment=None, next=safe_next(next),
        )  # fmt: skip

    @post("/password", errors=(CurrentPasswordWrong, PasswordRefused, LoginThrottled, *_SETTLING, *_FORM))
    async def change_password(
        self, request: AnyRequest, principal: Caller, login: Login, console: Console,
        staff: NamedDependency[StaffService],
    ) -> Response[Any]:  # fmt: skip
        fields = await session_form(request, principal, console)
        try:
            # The API's own shape (up to 128 characters each) before the service's policy.
            body = msgspec.convert(
                {name: field(fields, name) for name in ("current_password", "new_password")}, PasswordChange
            )
        except msgspec.ValidationError as error:
            raise FormInvalid(detail=explain(str(error))) from None
        row = await login.account(principal)
        await staff.change_password(
            principal, row, current=body.current_password, new=body.new_password,
            client=client_address(request),
        )  # fmt: skip
        return await _settled(request, principal, login, console, safe_next(fields.get("next")))

    @post(
        "/totp",
        status_code=200,
        errors=(
            *STEP_UP_ERRORS,
            LoginThrottled,
            ReauthenticationRequired,
            CurrentPasswordWrong,
            *_SETTLING,
            *_FORM,
        ),
    )
    async def start_totp(
        self, request: AnyRequest, principal: Caller, login: Login, console: Console,
        staff: NamedDependency[StaffService],
    ) -> Response[str]:  # fmt: skip
        fields = await session_form(request, principal, console)
        row = await login.account(principal)
        enrolment = await staff.start_enrolment(
            principal, row, proof=None, password=None, client=client_address(request)
        )
        return render(
            "setup.html", csrf=console.for_session(principal), required=await login.owed_by(principal.id),
            enrolment=enrolment, next=safe_next(fields.get("next")),
        )  # fmt: skip

    @post(
        "/totp/confirm", status_code=200, errors=(EnrolmentNotStarted, EnrolmentCodeWrong, *_SETTLING, *_FORM)
    )
    async def confirm_totp(
        self, request: AnyRequest, principal: Caller, login: Login, console: Console,
        factors: NamedDependency[SecondFactors],
    ) -> Response[Any]:  # fmt: skip
        fields = await session_form(request, principal, console)
        codes = await factors.confirm(await login.account(principal), field(fields, "code"), by=principal)
        return await _settled(
            request, principal, login, console, safe_next(fields.get("next")), recovery_codes=codes
        )
