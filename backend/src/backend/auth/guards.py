"""The guard that enforces every route's ``access`` declaration, and the ``principal`` dependency.

Routes declare who may call them (``backend.access``); this module builds those declarations for the
kinds of caller that carry a bearer token, and its one guard, ``authorize``, runs app-wide for every
request whether or not the handler asks for the caller, so "forgot to declare the parameter" can't
open a route. It verifies the token, checks the principal's kind, scopes and roles, and the
revocation denylist, and leaves the ``Principal`` in the request's scope state, where the app-wide
``principal`` dependency picks it up::

    class CodeController(Controller):
        opt = {"access": CITIZEN}
        @get("/codes/{code_id:uuid}", owns={"code_id": "code.code"}, errors=(CodeNotFound,))
        async def read(self, code_id: FromPath[uuid.UUID], principal: NamedDependency[Principal]) -> X: ...

    access=staff("operator")                                    # staff with (any of) these roles
    access=device("code:verify", check_revocation=False)        # hot path batches the denylist read

Missing or bad token → 401 ``auth.token_*`` with ``WWW-Authenticate: Bearer``; a valid token of the
wrong kind → 403 ``auth.wrong_principal_kind``; missing scope → 403 ``auth.insufficient_scope``;
missing role → 403 ``auth.missing_role``.
"""

from __future__ import annotations

from typing import Any, Protocol

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.di import Provide
from litestar.handlers.base import BaseRouteHandler

from backend.access import ACCESS, Access
from backend.auth.errors import (
    ActingEnded,
    ActingNotAdmitted,
    ActingOutOfScope,
    InsufficientScope,
    MissingRole,
    TokenInvalid,
    TokenMissing,
    TokenRejected,
    WrongPrincipalKind,
)
from backend.auth.principal import CITIZEN_SCOPES, STAFF_SCOPE, Principal
from backend.auth.tokens import TokenService
from backend.errors import DomainError
from backend.web import bearer_of

_STATE_KEY = "suqian.principal"


def bearer_token(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The token of ``Authorization: Bearer <token>`` (RFC 6750 §2.1; never from the query string)."""
    header = connection.headers.get("authorization")
    if not header:
        raise TokenMissing()
    token = bearer_of(header)
    if token is None:
        raise TokenInvalid()
    return token


# Guards can't take dependencies, so the auth feature leaves its token service in the app's state
# under this key (``Feature.state`` in ``backend.auth.feature``), the one thing a guard reads there.
TOKENS_STATE = "auth.tokens"


def _tokens(connection: ASGIConnection[Any, Any, Any, Any]) -> TokenService:
    tokens: TokenService = connection.app.state[TOKENS_STATE]
    return tokens


# What checking a token can answer, and what each further check adds.
_TOKEN_ERRORS: tuple[type[TokenRejected], ...] = (TokenRejected,)

# Guards can't take dependencies: the organisation feature leaves the check of an acting-as token here.
ACTING_STATE = "auth.acting"


class ActingCheck(Protocol):
    async def check_acting(self, principal: Principal, scopes: tuple[str, ...]) -> None:
        """Raise ``ActingOutOfScope`` / ``ActingEnded`` unless ``principal`` may act for its
        organisation now under at least one of ``scopes``."""


AUTHENTICATED = Access(kind="authenticated", errors=(*_TOKEN_ERRORS, ActingNotAdmitted))
CITIZEN = Access(
    kind="citizen",
    scopes=CITIZEN_SCOPES,
    errors=(*_TOKEN_ERRORS, WrongPrincipalKind, InsufficientScope, ActingNotAdmitted),
)


def citizen(*, acting: str | tuple[str, ...]) -> Access:
    """A citizen, for themselves or acting for an organisation whose authorisation holds ``acting``
    (``backend.organisation``: ``apply``, ``pay``, ``licences``), or any one of several:
    ``citizen(acting=("apply", "pay"))``."""
    scopes = (acting,) if isinstance(acting, str) else acting
    if not scopes:
        raise ValueError("citizen(acting=...) names at least one agent scope; use CITIZEN for none")
    errors = (*CITIZEN.errors, ActingOutOfScope, ActingEnded)
    return Access(kind="citizen", scopes=CITIZEN_SCOPES, errors=errors, acting=tuple(sorted(set(scopes))))


def staff(*roles: str, scopes: tuple[str, ...] = (STAFF_SCOPE,), cookie: str | None = None) -> Access:
    """Staff holding at least one of ``roles`` (any staff member when none are named) and a full staff
    token: a token restricted to setting up one's own account (``STAFF_ACCOUNT_SCOPE`` alone) is 403
    ``auth.insufficient_scope`` here. The account routes pass ``scopes=(STAFF_ACCOUNT_SCOPE,)``; the
    console's pages pass ``cookie=`` (the token rides in that cookie, not in a header)."""
    errors = (*_TOKEN_ERRORS, WrongPrincipalKind)
    errors += (InsufficientScope,) if scopes else ()
    errors += (MissingRole,) if roles else ()
    return Access(kind="staff", roles=frozenset(roles), scopes=scopes, errors=errors, cookie=cookie)


def cookie_token(connection: ASGIConnection[Any, Any, Any, Any], name: str) -> str:
    """The token a browser session keeps in cookie ``name`` (``Access.cookie``)."""
    token = connection.cookies.get(name, "").strip()
    if not token:
        raise TokenMissing()
    return token


def device(*scopes: str, check_revocation: bool = True) -> Access:
    """A scanner device holding every one of ``scopes``. ``check_revocation=False`` is for a hot path
    that batches the keys of ``TokenService.revocation_check`` into its own store read; that handler
    must then call ``revoked_by`` itself."""
    errors = (*_TOKEN_ERRORS, WrongPrincipalKind)
    errors += (InsufficientScope,) if scopes else ()
    return Access(kind="device", scopes=scopes, check_revocation=check_revocation, errors=errors)


async def authorize(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """The app-wide guard: admit the caller ``handler``'s ``access`` declaration names, or answer
    401/403. A handler without a declaration is refused (``create_app`` already refuses to start
    with one; this is the second lock)."""
    access = handler.opt.get(ACCESS)
    if not isinstance(access, Access):
        raise MissingRole()
    if access.anonymous:
        return
    token = cookie_token(connection, access.cookie) if access.cookie else bearer_token(connection)
    principal = await _tokens(connection).authenticate(token, check_revocation=access.check_revocation)
    refusal = _refusal(principal, access)
    if refusal is not None:
        raise refusal
    if principal.organisation is not None:
        await _check_acting(connection, principal, access)
    connection.scope["state"][_STATE_KEY] = principal


def _refusal(principal: Principal, access: Access) -> DomainError | None:
    """Why ``authorize`` turns away an authenticated ``principal`` on a route declaring ``access``."""
    if access.kind != "authenticated" and principal.kind != access.kind:
        return WrongPrincipalKind(kind=access.kind)
    if not principal.has_scopes(access.scopes):
        return InsufficientScope()
    if access.roles and principal.roles.isdisjoint(access.roles):
        return MissingRole()
    return None


async def admitted(tokens: TokenService, access: Access, token: str) -> Principal | None:
    """The caller ``authorize`` admits with bearer ``token`` on a route declaring ``access``, for an
    answer given before routing (``backend.early``) — or None whenever the guard would refuse or
    would decide by more than the token (a cookie route, an anonymous one, an acting-as token, a
    token it can't check now): the route then answers, with its own reason."""
    if access.anonymous or access.cookie:
        return None
    try:
        principal = await tokens.authenticate(token, check_revocation=access.check_revocation)
    except DomainError:
        return None
    if principal.organisation is not None or _refusal(principal, access) is not None:
        return None
    return principal


async def _check_acting(
    connection: ASGIConnection[Any, Any, Any, Any], principal: Principal, access: Access
) -> None:
    """An acting-as token passes only where the route names agent scopes, and only while the
    authorisation behind it holds one of them, unexpired and unrevoked (read at every use). Without
    the organisation feature nothing can vouch for one: refused."""
    if not access.acting:
        raise ActingNotAdmitted()
    checker: ActingCheck | None = connection.app.state.get(ACTING_STATE)
    if checker is None:
        raise ActingNotAdmitted()
    await checker.check_acting(principal, access.acting)


def current_principal(request: Request[Any, Any, Any]) -> Principal:
    """The app-wide ``principal`` dependency: the caller a guard authenticated. Fails closed (401)
    on a route without an auth guard, so declaring ``principal`` never yields an anonymous caller."""
    principal = request.scope["state"].get(_STATE_KEY)
    if not isinstance(principal, Principal):
        raise TokenMissing()
    return principal


PRINCIPAL_DEPENDENCY = {"principal": Provide(current_principal, sync_to_thread=False)}
