"""Sandbox twin of Alipay mini-program login (registered as ``alipay`` in the sandbox).

Seeded users (stable for every seed, documented in the README):

* auth code ``test-auth-<n>`` or ``test-auth-<n>-<anything>`` → ``open_id``
  :func:`sandbox_open_id` and ``user_id`` :func:`sandbox_user_id`; each exact code works once
  (reuse → ``isv.code-invalid``, as for any unknown code). ``test-auth-busy`` →
  ``isp.unknow-error`` (code 20000).
* refresh tokens from a login work with ``grant_type=refresh_token``.
* ``GET /phone-response?n=<n>`` (control route) returns what ``my.getPhoneNumber`` hands the
  client for sandbox user ``n``: the signed, AES-encrypted envelope of :func:`sandbox_mobile`.
* subscribe messages (``alipay.open.app.mini.templatemessage.send``, see
  :mod:`integrations.alipay._message_twin`); ``GET /messages?user_id=`` (control route) lists them.
* 卡包 passes (``alipay.pass.*``, see :mod:`integrations.alipay._pass_twin`); ``GET /passes?user_id=``
  (control route) lists what that user's card pack shows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from integrations._asgi import Request, Response, error_response
from integrations._twin import Twin, TwinContext
from integrations.alipay._gateway_twin import (
    SANDBOX_APP_ID,
    GatewayCall,
    GatewayError,
    GatewayKeys,
    GatewayState,
    create_gateway_twin,
    invalid_arguments,
)
from integrations.alipay._message_twin import MessageTwinState, message_methods, messages_route
from integrations.alipay._pass_twin import PassTwinState, card_pack_route, pass_methods
from integrations.alipay._phone import encrypt_phone_number

_AUTH_CODE = re.compile(r"^test-auth-(\d{1,12})(?:-[\w.-]{1,64})?$")
TOKEN_LIFETIME_SECONDS = 1_296_000  # 15 days, what Alipay reports for auth_user tokens


def sandbox_open_id(n: int) -> str:
    """The ``open_id`` behind auth code ``test-auth-<n>``."""
    return f"0sandbox{n:020d}"


def sandbox_user_id(n: int) -> str:
    """The legacy 16-digit ``user_id`` (``2088...``) of sandbox user ``n``."""
    return f"2088{n:012d}"


def sandbox_mobile(n: int) -> str:
    """The mobile number ``my.getPhoneNumber`` yields for sandbox user ``n``."""
    return f"159{n:08d}"


@dataclass(slots=True)
class AlipayTwinState:
    """Gateway keys and apps, plus login bookkeeping; tests may read and change it."""

    gateway: GatewayState
    used_codes: set[str] = field(default_factory=set)
    refresh_tokens: dict[str, int] = field(default_factory=dict)  # refresh token → user n
    passes: PassTwinState = field(default_factory=PassTwinState)  # 卡包 templates and passes
    messages: MessageTwinState = field(default_factory=MessageTwinState)  # subscribe messages sent


def create_alipay_twin(context: TwinContext) -> Twin:
    """Build the Alipay login twin with the sandbox app registered."""
    keys = GatewayKeys.for_seed(context)
    state = AlipayTwinState(
        gateway=GatewayState(keys=keys, apps={SANDBOX_APP_ID: keys.app_private_key.public_key()})
    )
    rng = context.rng("alipay:tokens")

    def issue(n: int) -> dict[str, object]:
        refresh = f"sandbox-rt-{rng.getrandbits(96):024x}"
        state.refresh_tokens[refresh] = n
        return {
            "user_id": sandbox_user_id(n),
            "open_id": sandbox_open_id(n),
            "access_token": f"sandbox-at-{rng.getrandbits(96):024x}",
            "expires_in": TOKEN_LIFETIME_SECONDS,
            "refresh_token": refresh,
            "re_expires_in": TOKEN_LIFETIME_SECONDS * 2,
            "auth_start": "2025-01-01 08:00:00",
        }

    async def oauth_token(call: GatewayCall) -> dict[str, object]:
        grant_type = call.params.get("grant_type")
        if grant_type == "refresh_token":
            n = state.refresh_tokens.pop(call.params.get("refresh_token", ""), None)
            if n is None:
                raise invalid_arguments("isv.refresh-token-invalid", "刷新令牌无效")
            return issue(n)
        if grant_type != "authorization_code":
            raise invalid_arguments("isv.grant-type-invalid", "不支持的grant_type")
        code = call.params.get("code", "")
        if code == "test-auth-busy":
            raise GatewayError("20000", "Service Currently Unavailable", "isp.unknow-error")
        match = _AUTH_CODE.match(code)
        if match is None or code in state.used_codes:
            raise invalid_arguments("isv.code-invalid", "授权码code无效")
        state.used_codes.add(code)
        return issue(int(match.group(1)))

    methods = {
        "alipay.system.oauth.token": oauth_token,
        **pass_methods(state.passes, rng=context.rng("alipay:passes"), clock=context.clock),
        **message_methods(state.messages),
    }
    twin = create_gateway_twin("alipay", context, state, methods)

    async def phone_response(request: Request) -> Response:
        raw = request.query.get("n", "")
        if not raw.isdigit():
            return error_response(400, "invalid_request", "n must be a number")
        payload = encrypt_phone_number(
            sandbox_mobile(int(raw)),
            aes_key=keys.aes_key,
            alipay_private_key=keys.alipay_private_key,
        )
        return Response(200, payload.encode(), {"content-type": "application/json"})

    twin.app.add("GET", "/phone-response", phone_response, control=True)
    twin.app.add("GET", "/passes", card_pack_route(state.passes), control=True)
    twin.app.add("GET", "/messages", messages_route(state.messages), control=True)
    return twin
