"""The mini-program server API: login, phone number, subscribe messages, content checks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

import httpx
import msgspec

from integrations.audit import AuditHook
from integrations.client import UpstreamClient, UpstreamResponse, classify_http_status
from integrations.clock import Clock, RandomSource, SystemClock
from integrations.config import UpstreamConfig
from integrations.errors import UpstreamRejected, UpstreamUnavailable
from integrations.wechat._schemas import (
    Code2SessionBody,
    ContentCheck,
    Envelope,
    MiniProgramState,
    PhoneNumber,
    PhoneNumberBody,
    SecCheckBody,
    StableTokenBody,
    WeChatSession,
)
from integrations.wechat._session import SessionKey
from integrations.wechat._token import AccessTokenCache
from integrations.wechat.errors import WatermarkMismatch

T = TypeVar("T")

SYSTEM = "wechat"
BASE_URL = "https://api.weixin.qq.com"
# 40001 "invalid credential / not latest", 40014 "invalid access_token", 42001 "expired".
_STALE_TOKEN_CODES = frozenset({"40001", "40014", "42001"})
_SYSTEM_BUSY = -1


def classify_wechat(response: UpstreamResponse) -> None:
    """HTTP failures as usual; then WeChat's own envelope: HTTP 200 with ``errcode != 0``.

    ``-1`` (system busy) is the one errcode worth retrying; every other code is a refusal
    carrying WeChat's number as ``code`` (``"40029"``, ``"43101"``...).
    """
    classify_http_status(response)
    try:
        envelope = msgspec.json.decode(response.content, type=Envelope)
    except msgspec.DecodeError:
        return  # not an envelope: decoding into the real type reports the malformed answer
    if envelope.errcode == 0:
        return
    if envelope.errcode == _SYSTEM_BUSY:
        raise UpstreamUnavailable(system=response.system, operation=response.operation, reason="system_busy")
    raise UpstreamRejected(
        system=response.system,
        operation=response.operation,
        code=str(envelope.errcode),
        message=envelope.errmsg,
        status_code=response.status_code,
    )


class WeChatMiniProgram:
    """One mini program's server-side API (``appid``/``secret``), over the common client.

    The access token is fetched from ``/cgi-bin/stable_token`` and cached until five minutes
    before it expires; a call answered 40001/40014/42001 drops that token, fetches a fresh
    one and is retried once.

    Args:
        config: base URL (``BASE_URL`` in production, the sandbox twin in tests), timeouts...
        appid: the mini program's AppID; watermarks are checked against it.
        secret: its AppSecret; sent only to ``jscode2session`` and ``stable_token``.
        transport, clock, rng, audit: passed to :class:`~integrations.UpstreamClient`.
    """

    def __init__(
        self,
        config: UpstreamConfig,
        *,
        appid: str,
        secret: str,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Clock | None = None,
        rng: RandomSource | None = None,
        audit: AuditHook | None = None,
    ) -> None:
        self.appid = appid
        self._secret = secret
        self._clock = clock or SystemClock()
        self._http = UpstreamClient(
            config,
            system=SYSTEM,
            transport=transport,
            clock=self._clock,
            rng=rng,
            audit=audit,
            classify=classify_wechat,
        )
        self.tokens = AccessTokenCache(self._fetch_token, clock=self._clock)

    def __repr__(self) -> str:
        return f"WeChatMiniProgram(appid={self.appid!r})"

    async def __aenter__(self) -> WeChatMiniProgram:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def code2session(self, js_code: str) -> WeChatSession:
        """Exchange a ``wx.login`` code (single use, 5 min) for the user's openid.

        Raises:
            UpstreamRejected: ``40029`` invalid/used code (ask for a new ``wx.login``),
                ``40163`` code already used, ``45011`` rate limit, ``40226`` blocked user.
            UpstreamUnavailable: ``-1`` system busy, timeouts, 5xx.
        """
        body = await self._http.call(
            "GET",
            "/sns/jscode2session",
            operation="code2session",
            params={
                "appid": self.appid,
                "secret": self._secret,
                "js_code": js_code,
                "grant_type": "authorization_code",
            },
            response_type=Code2SessionBody,
        )
        return WeChatSession(
            openid=body.openid, session_key=SessionKey(body.session_key), unionid=body.unionid
        )

    async def phone_number(self, code: str) -> PhoneNumber:
        """Resolve a ``getPhoneNumber`` button code (single use, 5 min) to the user's number.

        Raises:
            WatermarkMismatch: the answer names another appid.
            UpstreamRejected: e.g. ``40029`` invalid code.
            UpstreamUnavailable: ``-1`` system busy, timeouts, 5xx.
        """
        body = await self._with_token(
            "/wxa/business/getuserphonenumber",
            operation="phone_number",
            json={"code": code},
            response_type=PhoneNumberBody,
            idempotent=False,
        )
        info = body.phone_info
        if info.watermark.appid != self.appid:
            raise WatermarkMismatch(expected=self.appid, actual=info.watermark.appid)
        return PhoneNumber(
            phone_number=info.phone_number,
            pure_phone_number=info.pure_phone_number,
            country_code=str(info.country_code),
            watermark_timestamp=info.watermark.timestamp,
        )

    async def send_subscribe_message(
        self,
        *,
        openid: str,
        template_id: str,
        data: Mapping[str, str],
        page: str | None = None,
        state: MiniProgramState = "formal",
        lang: str = "zh_CN",
    ) -> None:
        """Send one subscribe message; each user "allow" grants exactly one send.

        Not retried on unavailability (a retry could deliver twice); deliver through the
        outbox instead. ``data`` maps keys (``thing1``, ``time2``) to values.

        Raises:
            UpstreamRejected: ``43101`` no remaining grant, ``40037`` bad template,
                ``47003`` bad param value, ``40003`` bad openid, ``41030`` bad page.
            UpstreamUnavailable: ``-1`` system busy, timeouts, 5xx.
        """
        message: dict[str, Any] = {
            "touser": openid,
            "template_id": template_id,
            "data": {key: {"value": value} for key, value in data.items()},
            "miniprogram_state": state,
            "lang": lang,
        }
        if page is not None:
            message["page"] = page
        await self._with_token(
            "/cgi-bin/message/subscribe/send",
            operation="subscribe_send",
            json=message,
            response_type=Envelope,
            idempotent=False,
        )

    async def check_text(
        self, content: str, *, openid: str, scene: int, title: str | None = None
    ) -> ContentCheck:
        """``msgSecCheck`` v2 on user text; ``openid`` must have visited within 2 hours.

        ``scene``: 1 profile, 2 comment, 3 forum, 4 social log. Callers fail closed: if
        this raises, hold the content for review rather than publishing it.
        """
        request: dict[str, Any] = {
            "version": 2,
            "openid": openid,
            "scene": scene,
            "content": content,
        }
        if title is not None:
            request["title"] = title
        body = await self._with_token(
            "/wxa/msg_sec_check",
            operation="msg_sec_check",
            json=request,
            response_type=SecCheckBody,
            idempotent=True,
        )
        return ContentCheck(suggest=body.result.suggest, label=body.result.label, trace_id=body.trace_id)

    async def _fetch_token(self) -> tuple[str, int]:
        body = await self._http.call(
            "POST",
            "/cgi-bin/stable_token",
            operation="stable_token",
            json={
                "grant_type": "client_credential",
                "appid": self.appid,
                "secret": self._secret,
                "force_refresh": False,
            },
            response_type=StableTokenBody,
            idempotent=True,  # normal mode returns the same token: safe to repeat
        )
        return body.access_token, body.expires_in

    async def _with_token(
        self, path: str, *, operation: str, json: Any, response_type: type[T], idempotent: bool
    ) -> T:
        return await self.call_with_token(
            "POST", path, operation=operation, json=json, response_type=response_type, idempotent=idempotent
        )

    async def call_with_token(
        self,
        method: str,
        path: str,
        *,
        operation: str,
        response_type: type[T],
        idempotent: bool,
        json: Any = None,
        params: Mapping[str, str] | None = None,
    ) -> T:
        """Call ``path`` with the cached access token (the other WeChat adapters use this).

        A 40001/40014/42001 answer drops the token and the call is made once more with a fresh one.
        """
        token = await self.tokens.get()
        try:
            return await self._call_with(
                token, method, path, operation, json, params, response_type, idempotent
            )
        except UpstreamRejected as exc:
            if exc.code not in _STALE_TOKEN_CODES:
                raise
        # Exactly one retry with a fresh token: a second failure is a real problem, not a race.
        self.tokens.invalidate(token)
        token = await self.tokens.get()
        return await self._call_with(token, method, path, operation, json, params, response_type, idempotent)

    async def _call_with(
        self,
        token: str,
        method: str,
        path: str,
        operation: str,
        json: Any,
        params: Mapping[str, str] | None,
        response_type: type[T],
        idempotent: bool,
    ) -> T:
        return await self._http.call(
            method,
            path,
            operation=operation,
            params={**(params or {}), "access_token": token},
            json=json,
            response_type=response_type,
            idempotent=idempotent,
        )
