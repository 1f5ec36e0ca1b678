"""HTTP shapes of the auth endpoints. The token request is a tagged union on ``grant_type``."""

from __future__ import annotations

from typing import Annotated

import msgspec

from backend.auth.formats import REFRESH_TOKEN_LENGTH, REFRESH_TOKEN_PATTERN
from backend.auth.sms import CODE_TTL, SmsPurpose
from backend.fields import Phone as Phone
from backend.fields import SmsCode as SmsCode
from backend.fields import doc, token_text

# ASVS v5 6.2.1/6.2.9: at least 8, long passphrases allowed, no composition rules, no truncation.
Password = Annotated[str, msgspec.Meta(min_length=8, max_length=128)]


class SmsCodeRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    phone: Phone
    purpose: Annotated[
        SmsPurpose,
        doc(
            "What the code is for; a code works only for its purpose (`bind`: the mini-program bind)", "login"
        ),
    ]


class SmsCodeSent(msgspec.Struct, frozen=True, kw_only=True):
    """Accepted; the same answer whether or not the phone has an account (no enumeration)."""

    expires_in: Annotated[int, doc("Seconds the code stays valid", CODE_TTL)] = CODE_TTL


class PasswordGrant(msgspec.Struct, tag_field="grant_type", tag="password", forbid_unknown_fields=True):
    phone: Phone
    # Login accepts any length the hash saw; 128 caps the Argon2 input (registration's maximum).
    password: Annotated[
        str,
        msgspec.Meta(
            min_length=1, max_length=128, description="The account's password", examples=["宿迁 2027 春"]
        ),
    ]


class SmsCodeGrant(msgspec.Struct, tag_field="grant_type", tag="sms_code", forbid_unknown_fields=True):
    phone: Phone
    sms_code: SmsCode


class RefreshTokenGrant(
    msgspec.Struct, tag_field="grant_type", tag="refresh_token", forbid_unknown_fields=True
):
    # Only the shape of our refresh tokens gets past the edge: anything else is a 400
    # ``request.invalid``, while a well-formed token that isn't live is a 401.
    refresh_token: Annotated[
        str,
        token_text(REFRESH_TOKEN_PATTERN, max_length=REFRESH_TOKEN_LENGTH),
        doc(
            "The refresh token of the current pair; spent by this request (keep the new one)",
            "rt_3q0Zk7fVxN2mYc8pLwR4tB6hJd1sUe9aGo5iKy0nQvE",
        ),
    ]


TokenRequest = PasswordGrant | SmsCodeGrant | RefreshTokenGrant
