"""Wire shapes of the mini-program server API and what the adapter returns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import msgspec

from integrations.wechat._session import SessionKey

Suggest = Literal["pass", "review", "risky"]
MiniProgramState = Literal["developer", "trial", "formal"]


class Envelope(msgspec.Struct):
    """Every answer carries these; success is an absent or zero ``errcode``."""

    errcode: int = 0
    errmsg: str = ""


class Code2SessionBody(msgspec.Struct):
    openid: str
    session_key: str
    unionid: str | None = None


class StableTokenBody(msgspec.Struct):
    access_token: str
    expires_in: int


class Watermark(msgspec.Struct):
    appid: str
    timestamp: int


class PhoneInfoBody(msgspec.Struct, rename="camel"):
    phone_number: str
    pure_phone_number: str
    country_code: str | int  # documented as a string, shown as a number in WeChat's example
    watermark: Watermark


class PhoneNumberBody(msgspec.Struct):
    phone_info: PhoneInfoBody


class SecCheckResultBody(msgspec.Struct):
    suggest: Suggest
    label: int


class SecCheckBody(msgspec.Struct):
    trace_id: str
    result: SecCheckResultBody


@dataclass(frozen=True, slots=True)
class WeChatSession:
    """What ``code2session`` proves: this mini-program user is ``openid``.

    ``session_key`` is a :class:`SessionKey`; it must stay on the server (see its docstring).
    """

    openid: str
    session_key: SessionKey
    unionid: str | None = None


class PhoneNumber(msgspec.Struct, frozen=True, kw_only=True):
    """A verified phone number; ``watermark_timestamp`` is when WeChat issued it (Unix s)."""

    phone_number: str
    pure_phone_number: str
    country_code: str
    watermark_timestamp: int


class ContentCheck(msgspec.Struct, frozen=True, kw_only=True):
    """``msgSecCheck`` v2 verdict: ``risky`` → reject, ``review`` → hold for a human."""

    suggest: Suggest
    label: int
    trace_id: str
