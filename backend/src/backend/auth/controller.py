"""HTTP edge of auth: the token endpoint, SMS codes, logout, and the published verification keys."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.status_codes import HTTP_202_ACCEPTED, HTTP_204_NO_CONTENT

from backend.access import ANYONE
from backend.auth.errors import (
    InvalidCredentials,
    KeysUnavailable,
    LoginThrottled,
    PhoneInvalid,
    RefreshThrottled,
    RefreshTokenRejected,
    SmsCodeInvalid,
    SmsLoginThrottled,
    SmsRateLimited,
    SmsUnavailable,
)
from backend.auth.guards import AUTHENTICATED
from backend.auth.keys import Jwks
from backend.auth.principal import Principal
from backend.auth.schemas import PasswordGrant, SmsCodeGrant, SmsCodeRequest, SmsCodeSent, TokenRequest
from backend.auth.service import AuthService
from backend.auth.sms import SmsCodes
from backend.auth.tokens import TokenPair, TokenService
from backend.citizen.errors import AccountFrozen, NotRegistered
from backend.web import client_address

# RFC 6749 §5.1: token responses must not be cached.
_NO_STORE = {"cache-control": "no-store", "pragma": "no-cache"}


class AuthController(Controller):
    path = "/api/v1/auth"
    tags = ("auth",)

    @post(
        "/sms-codes",
        status_code=HTTP_202_ACCEPTED,
        summary="Text a one-time code (6 digits, 5 minutes) to a phone, for registration or login",
        errors=(PhoneInvalid, SmsRateLimited, SmsUnavailable),
        access=ANYONE,
    )
    async def send_sms_code(
        self,
        data: JSONBody[SmsCodeRequest],
        request: Request[Any, Any, Any],
        sms_codes: NamedDependency[SmsCodes],
    ) -> SmsCodeSent:
        await sms_codes.send(data.phone, data.purpose, client=client_address(request))
        return SmsCodeSent()

    @post(
        "/token",
        status_code=200,
        summary="Log in (password, SMS code) or refresh: a token pair",
        errors=(
            InvalidCredentials,
            AccountFrozen,
            NotRegistered,
            SmsCodeInvalid,
            PhoneInvalid,
            LoginThrottled,
            SmsLoginThrottled,
            RefreshThrottled,
            RefreshTokenRejected,
            KeysUnavailable,
        ),
        access=ANYONE,
    )
    async def token(
        self,
        data: JSONBody[TokenRequest],
        request: Request[Any, Any, Any],
        auth: NamedDependency[AuthService],
    ) -> Response[TokenPair]:
        client = client_address(request)
        if isinstance(data, PasswordGrant):
            pair = await auth.password_grant(data.phone, data.password, client=client)
        elif isinstance(data, SmsCodeGrant):
            pair = await auth.sms_code_grant(data.phone, data.sms_code, client=client)
        else:
            pair = await auth.refresh_grant(data.refresh_token, client=client)
        return Response(pair, headers=_NO_STORE)

    @post(
        "/logout",
        status_code=HTTP_204_NO_CONTENT,
        access=AUTHENTICATED,
        summary="End this access token and its session (every refresh token of the login)",
    )
    async def logout(
        self,
        principal: NamedDependency[Principal],
        tokens: NamedDependency[TokenService],
    ) -> None:
        await tokens.logout(principal)


class JwksController(Controller):
    tags = ("auth",)

    @get(
        "/.well-known/jwks.json",
        summary="Public keys verifying our access tokens (RFC 7517), for department systems",
        errors=(KeysUnavailable,),
        access=ANYONE,
    )
    async def jwks(
        self,
        tokens: NamedDependency[TokenService],
    ) -> Response[Jwks]:
        keys = tokens.keys
        await keys.ensure_loaded()
        # 10 min: well inside the 1-day pre-publication of a new key.
        return Response(keys.jwks(), headers={"cache-control": "public, max-age=600"})
