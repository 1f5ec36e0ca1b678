"""HTTP shapes of the mini-program edge. A platform identity (openid, Alipay user id) never appears
in an answer, and nothing the client sends is taken as one: only the platform's exchange proves it."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import msgspec

from backend.account_link.identity import Platform
from backend.fields import Phone, SmsCode, doc, plain_text, token_text

# wx.login codes are 32 characters; Alipay auth codes about as long. 128 leaves room, not abuse.
LoginCode = Annotated[str, plain_text(max_length=128)]
# 256 random bits in base64url (bind tickets and face tickets alike).
BindTicket = Annotated[str, token_text(r"[A-Za-z0-9_-]+", min_length=43, max_length=43)]
FaceTicket = BindTicket
Name = Annotated[str, plain_text(max_length=32)]
# Length and plain text only here; the GB 11643 check digit is the service's (422 citizen.id_number_invalid).
IdNumber = Annotated[str, plain_text(min_length=18, max_length=18)]
PlatformPhoneProof = Annotated[str, plain_text(max_length=4096)]


class WeChatLogin(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    code: Annotated[
        LoginCode,
        doc("The code of `wx.login()`, fresh (single use, 5 min)", "0a3Xk7000Vq4rS1bYq300e3cGo3Xk70K"),
    ]


class AlipayLogin(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    auth_code: Annotated[
        LoginCode,
        doc(
            "The `authCode` of `my.getAuthCode({scopes: 'auth_base'})`, fresh",
            "4b203fe6c11548bcabd8da5bb087a83b",
        ),
    ]


class Authenticated(msgspec.Struct, frozen=True, kw_only=True, tag_field="status", tag="authenticated"):
    """The identity is linked: a citizen session (RFC 6749 §5.1 token fields)."""

    access_token: str
    refresh_token: str
    token_type: str = "Bearer"  # noqa: S105 (RFC 6750)
    expires_in: int


class BindRequired(msgspec.Struct, frozen=True, kw_only=True, tag_field="status", tag="bind_required"):
    """The identity is not linked yet: redeem ``bind_ticket`` at ``POST /mp/v1/bind`` within
    ``expires_in`` seconds. The ticket is opaque and single use."""

    bind_ticket: Annotated[str, doc("Redeem at `POST /mp/v1/bind`; opaque, single use")]
    expires_in: int


LoginResult = Authenticated | BindRequired


class BindRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Prove a phone — ``phone`` + ``sms_code`` (purpose "bind"), or ``platform_phone_proof``: the
    WeChat ``getPhoneNumber`` code, or the ``res.response`` string of Alipay's ``my.getPhoneNumber`` —
    and give the real name (name + ID number) of the account holder. The platform proof is enough only
    for a phone with no account yet; otherwise 409 ``mp.sms_required``: retry the ticket with an SMS
    code. A new phone the operators don't say is the person's answers 409
    ``citizen.face_verification_required``: after the face scan, send ``phone`` + ``face_ticket`` (and
    the same name and ID number) with the same bind ticket. Every attempt counts against the ticket."""

    bind_ticket: Annotated[BindTicket, doc("The ticket the login answered")]
    name: Annotated[Name, doc("The account holder's name on the ID card", "宿小迁")]
    id_number: Annotated[IdNumber, doc("Their resident ID number (GB 11643)", "321302199505200017")]
    phone: Annotated[Phone, doc("The phone, with `sms_code` or `face_ticket`", "13805270001")] | None = None
    sms_code: Annotated[SmsCode, doc("The SMS code (purpose `bind`) sent to `phone`")] | None = None
    platform_phone_proof: (
        Annotated[
            PlatformPhoneProof,
            doc("The platform's phone proof: WeChat `getPhoneNumber`'s `code`, or Alipay's `res.response`"),
        ]
        | None
    ) = None
    face_ticket: (
        Annotated[
            FaceTicket,
            doc("The ticket of a passed face verification, after 409 `citizen.face_verification_required`"),
        ]
        | None
    ) = None


class WeChatLink(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A fresh ``wx.login`` code, and an SMS code (purpose "bind") sent to the citizen's own phone."""

    code: Annotated[LoginCode, doc("A fresh `wx.login()` code")]
    phone: Annotated[Phone, doc("The citizen's own phone")]
    sms_code: Annotated[SmsCode, doc("The SMS code (purpose `bind`) sent to it")]


class AlipayLink(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A fresh ``my.getAuthCode`` code, and an SMS code (purpose "bind") sent to the citizen's own
    phone."""

    auth_code: Annotated[LoginCode, doc("A fresh `my.getAuthCode` code")]
    phone: Annotated[Phone, doc("The citizen's own phone")]
    sms_code: Annotated[SmsCode, doc("The SMS code (purpose `bind`) sent to it")]


class LinkRead(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    platform: Annotated[Platform, doc("The platform of the linked user", "wechat")]
    linked_at: datetime


class LinkList(msgspec.Struct, frozen=True, kw_only=True):
    items: list[LinkRead]
