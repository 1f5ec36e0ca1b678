"""Sandbox twin of the mini-program server API (same paths, envelope and errcodes).

Seeded users (documented in the README, stable for every seed):

* ``js_code`` ``test-code-<n>`` or ``test-code-<n>-<anything>`` → openid ``oSandbox`` + ``n``
  padded to 20 digits (:func:`sandbox_openid`), unionid ``uSandbox...`` likewise. Each exact
  code string works once (reuse → 40163), like the real one; add a suffix for a fresh code.
  ``test-code-busy`` → -1, ``test-code-blocked`` → 40226, anything else → 40029.
* phone code ``phone-code-<n>[-<anything>]`` → ``+86 138<n padded to 8 digits>``, single use.
* subscribe templates :data:`SANDBOX_TEMPLATES`; every sandbox user has unlimited grants
  unless :meth:`WeChatTwinState.set_grants` says otherwise (0 grants → 43101).
* ``GET /user-info?openid=...`` (control route) answers what ``wx.getUserInfo`` would hand the
  client: ``rawData``/``signature`` and ``encryptedData``/``iv`` under the latest session key.
* ``msgSecCheck``: text containing ``违禁``/``risky`` → ``risky``; ``待审``/``review`` →
  ``review``; anything else ``pass``. A v1 body (``{"content"}`` only) gets v1's answer:
  ``errcode`` 87014 for risky text, else 0.
* access tokens: ``POST /cgi-bin/stable_token`` and the legacy ``GET /cgi-bin/token`` (each
  fetch a new token, the previous one valid five more minutes), two separate pools.
* card pack (``/card/create``, the ``wx_card`` ticket, ``/card/code/unavailable``, and the
  user's ``wx.addCard`` as ``POST /card-pack/add``): see :mod:`integrations.wechat._cards_twin`.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from typing import Any

import msgspec

from integrations._asgi import Request, Response, json_response
from integrations._twin import Twin, TwinContext, new_twin
from integrations.wechat._cards_twin import CardTwinState, add_card_routes
from integrations.wechat._crypto import encrypt_user_data, raw_data_signature
from integrations.wechat._session import SessionKey

SANDBOX_APPID = "wx00sandbox0000001"
SANDBOX_SECRET = "sandbox-wechat-secret-not-for-production"  # noqa: S105 - public by design
SANDBOX_TEMPLATES = frozenset(
    {
        "sandbox-tpl-booking",
        "sandbox-tpl-application-status",
        "sandbox-tpl-application-correction",
        # Appointment queues: called to a counter, third in line, a booking tomorrow.
        "sandbox-tpl-queue-called",
        "sandbox-tpl-queue-third",
        "sandbox-tpl-queue-reminder",
        # Tourism: a waiting list's place came free and is held for the waiter.
        "sandbox-tpl-tourism-offer",
        # Education: an enrolment's admission result, a school's notice to a class's parents.
        "sandbox-tpl-education-admission",
        "sandbox-tpl-education-notice",
        # A credit objection decided; a 12345 ticket answered.
        "sandbox-tpl-credit-objection",
        "sandbox-tpl-hotline-reply",
        # Disaster warnings (a long-term subscription: public-service mini programs may hold one).
        "sandbox-tpl-warning",
    }
)
TOKEN_LIFETIME_SECONDS = 7200
_ROTATE_EARLY_SECONDS = 300  # like the platform: a new stable token in the last five minutes
_THING_MAX = 20  # 'thing' values: at most 20 characters, else 47003

_LOGIN_CODE = re.compile(r"^test-code-(\d{1,12})(?:-[\w.-]{1,64})?$")
_PHONE_CODE = re.compile(r"^phone-code-(\d{1,8})(?:-[\w.-]{1,64})?$")


def sandbox_openid(n: int) -> str:
    """The openid the twin gives the user logging in with ``test-code-<n>``."""
    return f"oSandbox{n:020d}"


def sandbox_unionid(n: int) -> str:
    """The unionid of sandbox user ``n``."""
    return f"uSandbox{n:020d}"


def sandbox_phone(n: int) -> str:
    """The pure phone number behind ``phone-code-<n>``."""
    return f"138{n:08d}"


@dataclass(slots=True)
class WeChatTwinState:
    """What the twin remembers; tests may read and change it directly."""

    appid: str = SANDBOX_APPID
    secret: str = SANDBOX_SECRET
    used_codes: set[str] = field(default_factory=set)
    sessions: dict[str, str] = field(default_factory=dict)  # openid → latest session_key
    tokens: dict[str, float] = field(default_factory=dict)  # access token → expires at
    current_token: str | None = None  # the stable token
    legacy_token: str | None = None  # the latest /cgi-bin/token
    token_requests: int = 0
    grants: dict[tuple[str, str], int] = field(default_factory=dict)
    sent: list[dict[str, Any]] = field(default_factory=list)
    cards: CardTwinState = field(default_factory=CardTwinState)  # card templates, tickets, packs

    def set_grants(self, openid: str, template_id: str, count: int) -> None:
        """Limit ``openid`` to ``count`` more sends of ``template_id``."""
        self.grants[(openid, template_id)] = count

    def revoke_tokens(self) -> None:
        """Invalidate every access token, as a ``force_refresh`` elsewhere would."""
        self.tokens.clear()
        self.current_token = None
        self.legacy_token = None


def _envelope(errcode: int, errmsg: str, **fields: Any) -> Response:
    return json_response({"errcode": errcode, "errmsg": errmsg, **fields})


def _ok(**fields: Any) -> Response:
    return _envelope(0, "ok", **fields)


class _Body(msgspec.Struct):
    code: str = ""


class _StableTokenRequest(msgspec.Struct):
    grant_type: str = ""
    appid: str = ""
    secret: str = ""
    force_refresh: bool = False


class _DataValue(msgspec.Struct):
    value: str


class _SubscribeRequest(msgspec.Struct):
    touser: str
    template_id: str
    data: dict[str, _DataValue]
    page: str | None = None
    miniprogram_state: str = "formal"
    lang: str = "zh_CN"


class _SecCheckRequest(msgspec.Struct):
    content: str
    openid: str | None = None  # v2 only
    scene: int | None = None  # v2 only
    version: int = 1
    title: str | None = None


def create_wechat_twin(context: TwinContext) -> Twin:
    """Build the WeChat mini-program twin (registered as ``wechat`` in the sandbox)."""
    state = WeChatTwinState()
    twin, router = new_twin("wechat", context, state, signed=False)
    rng = context.rng("wechat:keys")
    clock = context.clock

    def valid_token(request: Request) -> Response | None:
        token = request.query.get("access_token", "")
        expires_at = state.tokens.get(token)
        if expires_at is None:
            return _envelope(40001, "invalid credential, access_token is invalid or not latest")
        if clock.now() >= expires_at:
            return _envelope(42001, "access_token expired")
        return None

    add_card_routes(
        router, state.cards, valid_token=valid_token, rng=context.rng("wechat:cards"), clock=clock
    )

    def parse(request: Request, type_: type[Any]) -> Any:
        try:
            return msgspec.json.decode(request.body, type=type_)
        except msgspec.DecodeError:
            return None

    @router.route("GET", "/sns/jscode2session")
    async def code2session(request: Request) -> Response:
        q = request.query
        if q.get("appid") != state.appid or q.get("secret") != state.secret:
            return _envelope(40125, "invalid appsecret")
        code = q.get("js_code", "")
        if code == "test-code-busy":
            return _envelope(-1, "system error")
        if code == "test-code-blocked":
            return _envelope(40226, "high risk user, login blocked")
        match = _LOGIN_CODE.match(code)
        if match is None:
            return _envelope(40029, "invalid code")
        if code in state.used_codes:
            return _envelope(40163, "code been used")
        state.used_codes.add(code)
        n = int(match.group(1))
        session_key = base64.b64encode(rng.randbytes(16)).decode()
        state.sessions[sandbox_openid(n)] = session_key
        return json_response(
            {"openid": sandbox_openid(n), "session_key": session_key, "unionid": sandbox_unionid(n)}
        )

    @router.route("POST", "/cgi-bin/stable_token")
    async def stable_token(request: Request) -> Response:
        body = parse(request, _StableTokenRequest)
        if body is None or body.grant_type != "client_credential":
            return _envelope(40002, "invalid grant_type")
        if body.appid != state.appid:
            return _envelope(40013, "invalid appid")
        if body.secret != state.secret:
            return _envelope(40125, "invalid appsecret")
        state.token_requests += 1
        now = clock.now()
        current = state.current_token
        if body.force_refresh and current is not None:
            state.tokens.pop(current, None)
            current = None
        expires_at = state.tokens.get(current or "")
        if current is None or expires_at is None or expires_at - now <= _ROTATE_EARLY_SECONDS:
            current = f"sandbox-at-{rng.getrandbits(96):024x}"
            expires_at = now + TOKEN_LIFETIME_SECONDS
            state.tokens[current] = expires_at
            state.current_token = current
        return json_response({"access_token": current, "expires_in": int(expires_at - now)})

    @router.route("GET", "/cgi-bin/token")
    async def legacy_token(request: Request) -> Response:
        q = request.query
        if q.get("grant_type") != "client_credential":
            return _envelope(40002, "invalid grant_type")
        if q.get("appid") != state.appid:
            return _envelope(40013, "invalid appid")
        if q.get("secret") != state.secret:
            return _envelope(40125, "invalid appsecret")
        state.token_requests += 1
        now = clock.now()
        # Every fetch issues a new token; the previous one works for five more minutes. Stable
        # tokens are a separate pool, untouched (the platform isolates the two).
        previous = state.legacy_token
        if previous is not None and previous in state.tokens:
            state.tokens[previous] = min(state.tokens[previous], now + _ROTATE_EARLY_SECONDS)
        token = f"sandbox-at-{rng.getrandbits(96):024x}"
        state.tokens[token] = now + TOKEN_LIFETIME_SECONDS
        state.legacy_token = token
        return json_response({"access_token": token, "expires_in": TOKEN_LIFETIME_SECONDS})

    @router.route("POST", "/wxa/business/getuserphonenumber")
    async def phone_number(request: Request) -> Response:
        if (bad := valid_token(request)) is not None:
            return bad
        body = parse(request, _Body)
        match = _PHONE_CODE.match(body.code if body else "")
        if body is None or match is None:
            return _envelope(40029, "invalid code")
        if body.code in state.used_codes:
            return _envelope(40163, "code been used")
        state.used_codes.add(body.code)
        pure = sandbox_phone(int(match.group(1)))
        watermark = {"timestamp": int(clock.now()), "appid": state.appid}
        info = {"phoneNumber": pure, "purePhoneNumber": pure, "countryCode": "86"}
        return _ok(phone_info={**info, "watermark": watermark})

    @router.route("POST", "/cgi-bin/message/subscribe/send")
    async def subscribe_send(request: Request) -> Response:
        if (bad := valid_token(request)) is not None:
            return bad
        body = parse(request, _SubscribeRequest)
        if body is None:
            return _envelope(47001, "data format error")
        if body.touser not in state.sessions:
            return _envelope(40003, "invalid openid")
        if body.template_id not in SANDBOX_TEMPLATES:
            return _envelope(40037, "invalid template_id")
        if body.miniprogram_state not in ("developer", "trial", "formal"):
            return _envelope(47003, "argument invalid! miniprogram_state")
        for key, item in body.data.items():
            if key.startswith("thing") and len(item.value) > _THING_MAX:
                return _envelope(47003, f"argument invalid! data.{key}.value")
        grant_key = (body.touser, body.template_id)
        remaining = state.grants.get(grant_key)
        if remaining is not None:
            if remaining <= 0:
                return _envelope(43101, "user refuse to accept the msg")
            state.grants[grant_key] = remaining - 1
        state.sent.append(msgspec.to_builtins(body))
        return _ok(msgid=len(state.sent))

    @router.route("POST", "/wxa/msg_sec_check")
    async def msg_sec_check(request: Request) -> Response:
        if (bad := valid_token(request)) is not None:
            return bad
        body = parse(request, _SecCheckRequest)
        if body is None or body.version not in (1, 2):
            return _envelope(47001, "data format error")
        risky = "违禁" in body.content or "risky" in body.content
        if body.version == 1:
            # v1 (``{"content"}``, what wechatpy's check_text_security sends) still answers: a
            # bare errcode, 87014 for risky content; it has no "review" verdict.
            return _envelope(87014, "risky content") if risky else _ok()
        if body.scene not in (1, 2, 3, 4):
            return _envelope(47001, "data format error")
        if body.openid not in state.sessions:
            return _envelope(40003, "invalid openid")
        suggest, label = "pass", 100
        if risky:
            suggest, label = "risky", 20006
        elif "待审" in body.content or "review" in body.content:
            suggest, label = "review", 21000
        trace_id = f"sandbox-trace-{rng.getrandbits(64):016x}"
        return _ok(trace_id=trace_id, result={"suggest": suggest, "label": label}, detail=[])

    @router.route("GET", "/user-info", control=True)
    async def user_info(request: Request) -> Response:
        openid = request.query.get("openid", "")
        session_key = state.sessions.get(openid)
        if session_key is None:
            return _envelope(40003, "invalid openid")
        key = SessionKey(session_key)
        profile = {"nickName": "宿迁市民", "gender": 0, "language": "zh_CN", "avatarUrl": ""}
        raw_data = msgspec.json.encode(profile).decode()
        iv = rng.randbytes(16)
        secret_part = {
            "openId": openid,
            **profile,
            "watermark": {"timestamp": int(clock.now()), "appid": state.appid},
        }
        return json_response(
            {
                "rawData": raw_data,
                "signature": raw_data_signature(raw_data, key),
                "encryptedData": encrypt_user_data(secret_part, session_key=key, iv=iv),
                "iv": base64.b64encode(iv).decode(),
            }
        )

    return twin
