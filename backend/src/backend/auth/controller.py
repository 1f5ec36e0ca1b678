"""HTTP edge of auth: the token endpoint, SMS codes, logout, and the published verification keys."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.status_codes import HTTP_202_ACCEPTED, HTTP_204_NO_CONTENT

from backend.auth.guards import BEARER, require_authenticated
from backend.auth.keys import Jwks
from backend.auth.principal import Principal
from backend.auth.schemas import PasswordGrant, SmsCodeGrant, SmsCodeRequest, SmsCodeSent, TokenRequest
from backend.auth.tokens import TokenPair
from backend.container import Container

# RFC 6749 §5.1: token responses must not be cached.
_NO_STORE = {"cache-control": "no-store", "pragma": "no-cache"}


def client_address(request: Request[Any, Any, Any]) -> str:
    """The peer address rate limits key on (per-address rules count IPv6 by its /64). Behind a proxy
    this is the proxy, until trusted ``X-Forwarded-For`` handling is configured in front of the app."""
    return request.client.host if request.client else "unknown"


class AuthController(Controller):
    path = "/api/v1/auth"
    tags = ("auth",)

    @post(
        "/sms-codes",
        status_code=HTTP_202_ACCEPTED,
        summary="Text a one-time code (6 digits, 5 minutes) to a phone, for registration or login",
    )
    async def send_sms_code(
        self,
        data: JSONBody[SmsCodeRequest],
        request: Request[Any, Any, Any],
        container: NamedDependency[Container],
    ) -> SmsCodeSent:
        await container.sms_codes.send(data.phone, data.purpose, client=client_address(request))
        return SmsCodeSent()

    @post("/token", status_code=200, summary="Log in (password, SMS code) or refresh: a token pair")
    async def token(
        self,
        data: JSONBody[TokenRequest],
        request: Request[Any, Any, Any],
        container: NamedDependency[Container],
    ) -> Response[TokenPair]:
        client = client_address(request)
        if isinstance(data, PasswordGrant):
            pair = await container.auth.password_grant(data.phone, data.password, client=client)
        elif isinstance(data, SmsCodeGrant):
            pair = await container.auth.sms_code_grant(data.phone, data.sms_code, client=client)
        else:
            pair = await container.auth.refresh_grant(data.refresh_token, client=client)
        return Response(pair, headers=_NO_STORE)

    @post(
        "/logout",
        status_code=HTTP_204_NO_CONTENT,
        guards=[require_authenticated],
        security=BEARER,
        summary="End this access token and its session (every refresh token of the login)",
    )
    async def logout(
        self, principal: NamedDependency[Principal], container: NamedDependency[Container]
    ) -> None:
        await container.tokens.logout(principal)


class JwksController(Controller):
    tags = ("auth",)

    @get(
        "/.well-known/jwks.json",
        summary="Public keys verifying our access tokens (RFC 7517), for department systems",
    )
    async def jwks(self, container: NamedDependency[Container]) -> Response[Jwks]:
        keys = container.tokens.keys
        await keys.ensure_loaded()
        # 10 min: well inside the 1-day pre-publication of a new key.
        return Response(keys.jwks(), headers={"cache-control": "public, max-age=600"})
