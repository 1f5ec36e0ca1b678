from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post, put
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, FromQuery, HeaderParameter, JSONBody, QueryParameter
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from backend.access import ANYONE
from backend.auth.errors import (
    InvalidCredentials,
    KeysUnavailable,
    LoginThrottled,
    RefreshThrottled,
    RefreshTokenRejected,
)
from backend.auth.guards import staff as staff_access
from backend.auth.principal import STAFF_ACCOUNT_SCOPE, Principal
from backend.idempotency import IDEMPOTENCY_ERRORS, Idempotency, idempotent_json
from backend.pagination import CursorInvalid
from backend.staff.errors import (
    SECOND_STEP_ERRORS,
    STEP_UP_ERRORS,
    CurrentPasswordWrong,
    EnrolmentCodeWrong,
    EnrolmentNotStarted,
    LastOperator,
    NotOnYourself,
    PasswordRefused,
    ReauthenticationRequired,
    SecondFactorNotEnrolled,
    SessionNotFound,
    StaffNotFound,
    UsernameTaken,
)
from backend.staff.login import StaffLogin
from backend.staff.schemas import (
    AccountSettled,
    FactorProof,
    PasswordChange,
    PasswordReset,
    RecoveryCodes,
    SecondFactorLogin,
    SecondFactorRequired,
    SessionList,
    SessionsEnded,
    StaffAuthenticated,
    StaffCreate,
    StaffLoginResult,
    StaffMe,
    StaffPage,
    StaffRead,
    StaffRefresh,
    StaffSecondStepResult,
    StaffStatus,
    TotpConfirm,
    TotpConfirmed,
    TotpEnrolment,
    login_answer,
)
from backend.staff.schemas import StaffLogin as StaffLoginBody
from backend.staff.second_factor import Proof, SecondFactors
from backend.staff.service import StaffService
from backend.web import client_address

Staff = NamedDependency[StaffService]
Factors = NamedDependency[SecondFactors]
Login = NamedDependency[StaffLogin]
Caller = NamedDependency[Principal]
AnyRequest = Request[Any, Any, Any]
StaffId = FromPath[uuid.UUID]
PageSize = Annotated[int, QueryParameter(ge=1, le=100)]
# A factor code checked as a login is (throttled), by a member signed in (a step-up).
_STEP_UP = (*STEP_UP_ERRORS, LoginThrottled, StaffNotFound)
_SECOND_STEP = (*SECOND_STEP_ERRORS, LoginThrottled)
# A step that may settle what a login owes, and then answer the session.
_SETTLING = (StaffNotFound, InvalidCredentials, KeysUnavailable)
# RFC 6749 §5.1: token responses must not be cached.
_NO_STORE = {"cache-control": "no-store", "pragma": "no-cache"}


def _agent(request: AnyRequest) -> str | None:
    return request.headers.get("user-agent")


class StaffTokenController(Controller):
    path = "/api/v1/staff/token"
    tags = ("staff",)

    @post(
        "/",
        status_code=200,
        summary="Staff sign-in, step 1: username and password",
        description="Answers a session, a `second_factor_required` challenge, or (while a password "
        "change or a second-factor enrolment is owed) a `setup_required` token that can only settle it.",
        access=ANYONE,
        errors=(InvalidCredentials, LoginThrottled, KeysUnavailable),
    )
    async def token(
        self, request: AnyRequest, data: JSONBody[StaffLoginBody], login: Login
    ) -> Response[StaffLoginResult]:
        result = await login.password(
            data.username, data.password, client=client_address(request), user_agent=_agent(request)
        )
        return Response(login_answer(result), headers=_NO_STORE)

    @post(
        "/second-factor",
        status_code=200,
        summary="Staff sign-in, step 2: the challenge and a code of the authenticator or a recovery code",
        access=ANYONE,
        errors=(*_SECOND_STEP, InvalidCredentials, KeysUnavailable),
    )
    async def second_factor(
        self, request: AnyRequest, data: JSONBody[SecondFactorLogin], login: Login
    ) -> Response[StaffSecondStepResult]:
        result = await login.second_factor(
            data.challenge, Proof(code=data.code, recovery_code=data.recovery_code),
            client=client_address(request), user_agent=_agent(request),
        )  # fmt: skip
        answer = login_answer(result)
        assert not isinstance(answer, SecondFactorRequired)  # a challenge is answered once
        return Response(answer, headers=_NO_STORE)

    @post(
        "/refresh",
        status_code=200,
        summary="Renew a staff session (the refresh token rotates)",
        access=ANYONE,
        errors=(RefreshTokenRejected, RefreshThrottled, KeysUnavailable),
    )
    async def refresh(
        self, request: AnyRequest, data: JSONBody[StaffRefresh], login: Login
    ) -> Response[StaffAuthenticated]:
        result = await login.refresh(
            data.refresh_token, client=client_address(request), user_agent=_agent(request)
        )
        return Response(StaffAuthenticated.of(result), headers=_NO_STORE)


class StaffAccountController(Controller):
    """One's own account. The routes that settle what a login owes (password, enrolment) take the
    restricted token too; the others need a full staff token."""

    path = "/api/v1/staff/me"
    tags = ("staff",)
    opt = {"access": staff_access(scopes=(STAFF_ACCOUNT_SCOPE,))}  # noqa: RUF012 (Litestar's declaration style)

    @get(
        "/",
        summary="Your staff account, its second factor and what it still owes",
        errors=(StaffNotFound, InvalidCredentials),
    )
    async def me(self, principal: Caller, factors: Factors, login: Login) -> StaffMe:
        row, status = await login.account(principal), await factors.status(principal.id)
        return StaffMe.of(row, status, await login.owed_by(principal.id))

    @post(
        "/password",
        status_code=200,
        summary="Change your password (the current one first); ends your other sessions",
        errors=(CurrentPasswordWrong, PasswordRefused, LoginThrottled, *_SETTLING),
    )
    async def change_password(
        self,
        request: AnyRequest,
        data: JSONBody[PasswordChange],
        principal: Caller,
        staff: Staff,
        login: Login,
    ) -> Response[AccountSettled]:
        client, row = client_address(request), await login.account(principal)
        await staff.change_password(
            principal, row, current=data.current_password, new=data.new_password, client=client
        )
        required, session = await login.settled(principal, client=client, user_agent=_agent(request))
        return Response(
            AccountSettled(required=required, session=StaffAuthenticated.of(session)), headers=_NO_STORE
        )

    @post(
        "/second-factor/totp",
        status_code=HTTP_201_CREATED,
        summary="Start enrolling an authenticator app: its secret, shown this once",
        description="The body is `{}` while no factor is enrolled and the caller holds the setup token; "
        "from a session, a first enrolment carries `current_password`; with a factor enrolled, the body "
        "carries a code of it (`code` or `recovery_code`).",
        responses={HTTP_201_CREATED: ResponseSpec(TotpEnrolment, description="Started")},
        errors=(*_STEP_UP, ReauthenticationRequired, CurrentPasswordWrong, InvalidCredentials),
    )
    async def start_totp(
        self, request: AnyRequest, principal: Caller, staff: Staff, login: Login, data: JSONBody[FactorProof]
    ) -> Response[TotpEnrolment]:
        enrolment = await staff.start_enrolment(
            principal, await login.account(principal), proof=data.proof(),
            password=data.current_password, client=client_address(request),
        )  # fmt: skip
        return Response(TotpEnrolment.of(enrolment), status_code=HTTP_201_CREATED, headers=_NO_STORE)

    @post(
        "/second-factor/totp/confirm",
        status_code=200,
        summary="Confirm the authenticator with its first code: your recovery codes",
        errors=(EnrolmentNotStarted, EnrolmentCodeWrong, *_SETTLING),
    )
    async def confirm_totp(
        self,
        request: AnyRequest,
        data: JSONBody[TotpConfirm],
        principal: Caller,
        factors: Factors,
        login: Login,
    ) -> Response[TotpConfirmed]:
        codes = await factors.confirm(await login.account(principal), data.code, by=principal)
        required, session = await login.settled(
            principal, client=client_address(request), user_agent=_agent(request)
        )
        confirmed = TotpConfirmed(
            recovery_codes=codes, required=required, session=StaffAuthenticated.of(session)
        )
        return Response(confirmed, headers=_NO_STORE)

    @post(
        "/second-factor/recovery-codes",
        status_code=200,
        summary="New recovery codes in place of all the old ones (a code of your factor first)",
        access=staff_access(),
        errors=(SecondFactorNotEnrolled, *_STEP_UP),
    )
    async def regenerate(
        self,
        request: AnyRequest,
        data: JSONBody[FactorProof],
        principal: Caller,
        staff: Staff,
        factors: Factors,
    ) -> Response[RecoveryCodes]:
        row = await staff.get(principal.id)
        codes = await factors.regenerate(row, data.proof(), client=client_address(request), by=principal)
        return Response(RecoveryCodes(recovery_codes=codes), headers=_NO_STORE)

    @get(
        "/sessions",
        summary="Your sessions, the most recently used first",
        access=staff_access(),
        errors=(StaffNotFound,),
    )
    async def sessions(self, principal: Caller, staff: Staff) -> SessionList:
        return SessionList.of(await staff.sessions(principal.id), principal.sid)

    @post(
        "/sessions/{session_id:str}/end",
        status_code=HTTP_204_NO_CONTENT,
        summary="End one of your sessions (repeatable); it stays in the audit log, not in the list",
        access=staff_access(),
        errors=(SessionNotFound,),
    )
    async def end_session(self, session_id: FromPath[str], principal: Caller, staff: Staff) -> None:
        await staff.end_session(principal.id, session_id, by=principal)

    @post(
        "/sessions/end-others",
        status_code=200,
        summary="End all your sessions but this one",
        access=staff_access(),
        errors=(StaffNotFound,),
    )
    async def end_other_sessions(self, principal: Caller, staff: Staff) -> SessionsEnded:
        return SessionsEnded(ended=await staff.end_sessions(principal.id, keep=principal.sid, by=principal))


class StaffAdminController(Controller):
    path = "/api/v1/admin/staff"
    tags = ("admin",)
    opt = {"access": staff_access("operator")}  # noqa: RUF012 (Litestar's declaration style)

    @post(
        "/",
        status_code=HTTP_201_CREATED,
        summary="Create a staff account (operators only)",
        description="With an `Idempotency-Key` header, a retried request answers the first response.",
        responses={HTTP_201_CREATED: ResponseSpec(StaffRead, description="Created")},
        errors=(PasswordRefused, UsernameTaken, *IDEMPOTENCY_ERRORS),
    )
    async def create(
        self,
        request: AnyRequest,
        data: JSONBody[StaffCreate],
        staff: Staff,
        idempotency: NamedDependency[Idempotency],
        principal: Caller,
        idempotency_key: Annotated[str | None, HeaderParameter(name="idempotency-key")] = None,
    ) -> Response[bytes]:
        async def create() -> StaffRead:
            row = await staff.create(
                username=data.username,
                display_name=data.display_name,
                role=data.role,
                password=data.password,
                by=principal,
            )
            return StaffRead.of(row)

        return await idempotent_json(
            idempotency,
            request,
            scope=f"staff.create:{principal.subject}",
            key=idempotency_key,
            status=HTTP_201_CREATED,
            call=create,
        )

    @get("/", summary="Staff accounts, by username", errors=(CursorInvalid,))
    async def list(
        self, staff: Staff, cursor: FromQuery[str | None] = None, limit: PageSize = 50
    ) -> StaffPage:
        rows, next_cursor = await staff.list(cursor=cursor, limit=limit)
        return StaffPage(items=[StaffRead.of(row) for row in rows], next_cursor=next_cursor)

    @get("/{staff_id:uuid}", summary="One staff account", errors=(StaffNotFound,))
    async def read(self, staff_id: StaffId, staff: Staff) -> StaffRead:
        return StaffRead.of(await staff.get(staff_id))

    @put(
        "/{staff_id:uuid}/status",
        status_code=HTTP_204_NO_CONTENT,
        summary="Disable (sessions, tokens end now) or enable a member; not yourself, not the last operator",
        errors=(StaffNotFound, NotOnYourself, LastOperator),
    )
    async def set_status(
        self, staff_id: StaffId, data: JSONBody[StaffStatus], staff: Staff, principal: Caller
    ) -> None:
        await staff.set_active(staff_id, data.status == "active", by=principal)

    @post(
        "/{staff_id:uuid}/password",
        status_code=HTTP_204_NO_CONTENT,
        summary="Set a member's password, to be changed at their next login; their sessions end",
        errors=(StaffNotFound, NotOnYourself, PasswordRefused),
    )
    async def reset_password(
        self, staff_id: StaffId, data: JSONBody[PasswordReset], staff: Staff, principal: Caller
    ) -> None:
        await staff.reset_password(staff_id, data.password, by=principal)

    @post(
        "/{staff_id:uuid}/second-factor/reset",
        status_code=HTTP_204_NO_CONTENT,
        summary="Remove a member's authenticator and recovery codes (both lost); their sessions end",
        errors=(StaffNotFound, NotOnYourself),
    )
    async def reset_second_factor(self, staff_id: StaffId, staff: Staff, principal: Caller) -> None:
        await staff.reset_second_factor(staff_id, by=principal)

    @post(
        "/{staff_id:uuid}/login-throttle/clear",
        status_code=HTTP_204_NO_CONTENT,
        summary="Forget the failed sign-ins counted on a member's account: they sign in from anywhere again",
        errors=(StaffNotFound,),
    )
    async def clear_login_throttle(self, staff_id: StaffId, staff: Staff, principal: Caller) -> None:
        await staff.clear_login_throttle(staff_id, by=principal)

    @get(
        "/{staff_id:uuid}/sessions",
        summary="A member's sessions, the most recently used first",
        errors=(StaffNotFound,),
    )
    async def sessions(self, staff_id: StaffId, staff: Staff) -> SessionList:
        return SessionList.of(await staff.sessions(staff_id), None)

    @post(
        "/{staff_id:uuid}/sessions/{session_id:str}/end",
        status_code=HTTP_204_NO_CONTENT,
        summary="End one of a member's sessions (repeatable)",
        errors=(SessionNotFound,),
    )
    async def end_session(
        self, staff_id: StaffId, session_id: FromPath[str], staff: Staff, principal: Caller
    ) -> None:
        await staff.end_session(staff_id, session_id, by=principal)

    @post(
        "/{staff_id:uuid}/sessions/end-all",
        status_code=200,
        summary="End all of a member's sessions",
        errors=(StaffNotFound,),
    )
    async def end_sessions(self, staff_id: StaffId, staff: Staff, principal: Caller) -> SessionsEnded:
        return SessionsEnded(ended=await staff.end_sessions(staff_id, keep=None, by=principal))
