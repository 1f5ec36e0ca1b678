"""HTTP shapes of the mini-program edge. A platform identity (openid, Alipay user id) never appears
in an answer, and nothing the client sends is taken as one: only the platform's exchange proves it."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import msgspec

from backend.account_link.identity import Platform
from backend.auth.schemas import Phone, SmsCode

# wx.login codes are 32 characters; Alipay auth codes about as long. 128 leaves room, not abuse.
LoginCode = Annotated[str, msgspec.Meta(min_length=1, max_length=128)]


class WeChatLogin(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    code: LoginCode


class AlipayLogin(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    auth_code: LoginCode


class Authenticated(msgspec.Struct, frozen=True, kw_only=True, tag_field="status", tag="authenticated"):
    """The identity is linked: a citizen session (RFC 6749 §5.1 token fields)."""

    access_token: str
    refresh_token: str
    token_type: str = "Bearer"  # noqa: S105 (RFC 6750)
    expires_in: int


class BindRequired(msgspec.Struct, frozen=True, kw_only=True, tag_field="status", tag="bind_required"):
    """The identity is not linked yet: redeem ``bind_ticket`` at ``POST /mp/v1/bind`` within
    ``expires_in`` seconds. The ticket is opaque and single use."""

    bind_ticket: str
    expires_in: int


LoginResult = Authenticated | BindRequired


class BindRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Prove a phone — ``phone`` + ``sms_code`` (purpose "bind"), or ``platform_phone_proof``: the
    WeChat ``getPhoneNumber`` code, or the ``res.response`` string of Alipay's ``my.getPhoneNumber`` —
    and give the real name (name + ID number) of the account holder."""

    bind_ticket: Annotated[str, msgspec.Meta(min_length=43, max_length=43)]
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=32)]
    id_number: Annotated[str, msgspec.Meta(min_length=18, max_length=18)]
    phone: Phone | None = None
    sms_code: SmsCode | None = None
    platform_phone_proof: Annotated[str, msgspec.Meta(min_length=1, max_length=4096)] | None = None


class LinkRead(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    platform: Platform
    linked_at: datetime


class LinkList(msgspec.Struct, frozen=True, kw_only=True):
    items: list[LinkRead]
