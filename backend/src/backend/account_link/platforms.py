"""The two mini-program platforms behind one face: prove who a user is, and (WeChat) read their phone.

The platform adapters raise ``integrations`` errors; this module turns each into the domain error a
client can act on, and keeps the WeChat ``session_key`` here: it is dropped on the floor, because the
code-based phone number API needs none and no other open data is read.
"""

from __future__ import annotations

import logging

from backend.account_link.errors import (
    LoginCodeInvalid,
    PhoneProofInvalid,
    PhoneUnsupported,
    PlatformDisabled,
    PlatformRateLimited,
    PlatformUnavailable,
    PlatformUserBlocked,
)
from backend.account_link.identity import Platform, PlatformIdentity
from backend.upstreams import Upstreams
from integrations import UpstreamRejected, UpstreamUnavailable
from integrations.alipay import AlipayMiniProgram
from integrations.wechat import OpenDataRejected, WeChatMiniProgram

log = logging.getLogger("backend.account_link")

# WeChat: 40029 invalid code, 40163 code already used; Alipay: isv.code-invalid (wrong/used/expired).
_LOGIN_CODE_REFUSED = frozenset({"40029", "40163", "isv.code-invalid"})
_WECHAT_BLOCKED = "40226"
_WECHAT_RATE_LIMITED = "45011"
# 45011 allows 100 calls a minute per user: a minute is how long to wait.
_RATE_LIMIT_RETRY_AFTER = 60


def _unavailable(platform: Platform, exc: UpstreamUnavailable) -> PlatformUnavailable:
    retry_after = max(1, round(exc.retry_after)) if exc.retry_after else 5
    return PlatformUnavailable(platform=platform, retry_after=retry_after)


def _misconfigured(platform: Platform, exc: UpstreamRejected) -> PlatformUnavailable:
    # Anything but a refused user code is our side's problem (bad secret, unsigned or malformed answers):
    # the operator needs the log line, the client only a retryable 503.
    log.error("%s refused the server: code=%s (%s)", platform, exc.code, type(exc).__name__)
    return PlatformUnavailable(platform=platform, retry_after=30)


class Platforms:
    def __init__(self, upstreams: Upstreams) -> None:
        self._upstreams = upstreams

    def _wechat(self) -> WeChatMiniProgram:
        if self._upstreams.wechat is None:
            raise PlatformDisabled(platform="wechat")
        return self._upstreams.wechat

    def _alipay(self) -> AlipayMiniProgram:
        if self._upstreams.alipay is None:
            raise PlatformDisabled(platform="alipay")
        return self._upstreams.alipay

    async def identify(self, platform: Platform, code: str) -> PlatformIdentity:
        """Exchange a login code (``wx.login`` / ``my.getAuthCode``) for the platform identity."""
        try:
            if platform == "wechat":
                wx = self._wechat()
                session = await wx.code2session(code)
                return PlatformIdentity(
                    platform="wechat", app_id=wx.appid, subject=session.openid, unionid=session.unionid
                )
            ali = self._alipay()
            token = await ali.oauth_token(code)
            return PlatformIdentity(platform="alipay", app_id=ali.gateway.app_id, subject=token.subject)
        except UpstreamUnavailable as exc:
            raise _unavailable(platform, exc) from exc
        except UpstreamRejected as exc:
            if exc.code in _LOGIN_CODE_REFUSED:
                raise LoginCodeInvalid() from exc
            if exc.code == _WECHAT_BLOCKED:
                raise PlatformUserBlocked() from exc
            if exc.code == _WECHAT_RATE_LIMITED:
                raise PlatformRateLimited(retry_after=_RATE_LIMIT_RETRY_AFTER) from exc
            raise _misconfigured(platform, exc) from exc

    async def wechat_phone_number(self, code: str) -> str:
        """The mainland mobile number WeChat vouches for, from a ``getPhoneNumber`` code: single use,
        minutes long, spent here against WeChat's server. Alipay's ``my.getPhoneNumber`` answer has no
        counterpart: it is the same string for a phone every time (zero-IV encryption, deterministic
        signature), bound to no user and no moment, so it proves nothing and is never read here."""
        try:
            phone = await self._wechat().phone_number(code)
        except UpstreamUnavailable as exc:
            raise _unavailable("wechat", exc) from exc
        except UpstreamRejected as exc:
            # A refused phone code is the user's proof failing; anything else is our configuration.
            if exc.code not in _LOGIN_CODE_REFUSED:
                raise _misconfigured("wechat", exc) from exc
            raise PhoneProofInvalid() from exc
        except OpenDataRejected as exc:
            raise PhoneProofInvalid() from exc
        if phone.country_code != "86":
            raise PhoneUnsupported()
        return phone.pure_phone_number
