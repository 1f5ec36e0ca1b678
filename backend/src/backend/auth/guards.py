"""Litestar guards that authenticate a bearer token, and the ``principal`` dependency.

A guard runs for every request to the routes it protects whether or not the handler asks for the
caller, so "forgot to declare the parameter" can't open a route. It verifies the token, checks the
principal's kind, scopes and roles, and the revocation denylist, and leaves the ``Principal`` in the
request's scope state, where the app-wide ``principal`` dependency picks it up::

    class CodeController(Controller):
        guards = [require_citizen]
        @get("/codes/{code_id:uuid}")
        async def read(self, code_id: FromPath[uuid.UUID], principal: NamedDependency[Principal]) -> X: ...

    guards=[require_staff("operator")]          # staff with (any of) these roles
    guards=[require_device(scopes=("code:verify",), check_revocation=False)]  # hot path batches it

Missing or bad token → 401 ``auth.token_*`` with ``WWW-Authenticate: Bearer``; a valid token of the
wrong kind → 403 ``auth.wrong_principal_kind``; missing scope → 403 ``auth.insufficient_scope``;
missing role → 403 ``auth.missing_role``.
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.di import Provide
from litestar.handlers.base import BaseRouteHandler
from litestar.openapi.spec import Reference, SecurityRequirement, SecurityScheme
from litestar.types import Guard

from backend.auth.errors import InsufficientScope, MissingRole, TokenInvalid, TokenMissing, WrongPrincipalKind
from backend.auth.principal import CITIZEN_SCOPES, Principal, PrincipalKind
from backend.auth.tokens import TokenService

_STATE_KEY = "suqian.principal"

# OpenAPI: the scheme (registered once in create_app) and what a guarded controller declares as
# ``security = BEARER`` so the docs show the lock and clients know to send the token.
BEARER_SECURITY_SCHEMES: dict[str, SecurityScheme | Reference] = {
    "BearerToken": SecurityScheme(type="http", scheme="bearer", bearer_format="JWT (RFC 9068 at+jwt)")
}
BEARER: list[SecurityRequirement] = [{"BearerToken": []}]


def bearer_token(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The token of ``Authorization: Bearer <token>`` (RFC 6750 §2.1; never from the query string)."""
    header = connection.headers.get("authorization")
    if not header:
        raise TokenMissing()
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise TokenInvalid()
    return token


# Guards can't take dependencies, so the auth feature leaves its token service in the app's state
# under this key (``Feature.state`` in ``backend.auth.feature``), the one thing a guard reads there.
TOKENS_STATE = "auth.tokens"


def _tokens(connection: ASGIConnection[Any, Any, Any, Any]) -> TokenService:
    tokens: TokenService = connection.app.state[TOKENS_STATE]
    return tokens


def require(
    kind: PrincipalKind | None,
    *,
    scopes: tuple[str, ...] = (),
    any_role: tuple[str, ...] = (),
    check_revocation: bool = True,
) -> Guard:
    """A guard admitting only ``kind`` principals (any kind when None) holding every one of
    ``scopes`` and, if ``any_role`` is given, at least one of those roles.

    ``check_revocation=False`` is for a hot path that batches the keys of
    ``TokenService.revocation_check`` into its own store read; that handler must then call
    ``revoked_by`` itself.
    """

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        principal = await _tokens(connection).authenticate(
            bearer_token(connection), check_revocation=check_revocation
        )
        if kind is not None and principal.kind != kind:
            raise WrongPrincipalKind(kind=kind)
        if not principal.has_scopes(scopes):
            raise InsufficientScope()
        if any_role and principal.roles.isdisjoint(any_role):
            raise MissingRole()
        connection.scope["state"][_STATE_KEY] = principal

    return guard


require_citizen: Guard = require("citizen", scopes=CITIZEN_SCOPES)
# Any valid token (logout).
require_authenticated: Guard = require(None)


def require_staff(*roles: str, scopes: tuple[str, ...] = ()) -> Guard:
    """Staff holding at least one of ``roles`` (any staff member when none are named)."""
    return require("staff", scopes=scopes, any_role=roles)


def require_device(*, scopes: tuple[str, ...] = (), check_revocation: bool = True) -> Guard:
    return require("device", scopes=scopes, check_revocation=check_revocation)


def current_principal(request: Request[Any, Any, Any]) -> Principal:
    """The app-wide ``principal`` dependency: the caller a guard authenticated. Fails closed (401)
    on a route without an auth guard, so declaring ``principal`` never yields an anonymous caller."""
    principal = request.scope["state"].get(_STATE_KEY)
    if not isinstance(principal, Principal):
        raise TokenMissing()
    return principal


PRINCIPAL_DEPENDENCY = {"principal": Provide(current_principal, sync_to_thread=False)}
