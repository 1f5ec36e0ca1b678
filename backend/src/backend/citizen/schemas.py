"""HTTP shapes of the citizen feature. Responses carry personal data masked, never in full."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import msgspec

from backend.auth.schemas import Password, Phone, SmsCode
from backend.auth.tokens import TokenPair
from backend.fields import plain_text, token_text

# 256 random bits in base64url: what citizen.face_verification_required handed out.
FaceTicket = Annotated[str, token_text(r"[A-Za-z0-9_-]+", min_length=43, max_length=43)]


class RegisterRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The phone is proven by ``sms_code`` (purpose "register"), or — after a 409
    ``citizen.face_verification_required`` and a face scan — by the ``face_ticket`` that answer gave
    (the same phone, name and ID number again): exactly one of the two."""

    phone: Phone
    sms_code: SmsCode | None = None
    face_ticket: FaceTicket | None = None
    name: Annotated[str, plain_text(max_length=32)]
    # Length only here; the GB 11643 check digit is checked by the service (422 citizen.id_number_invalid).
    id_number: Annotated[str, msgspec.Meta(min_length=18, max_length=18)]
    password: Password | None = None


class CitizenRead(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    name: str
    id_number: str
    phone: str
    has_password: bool
    verified_at: datetime
    created_at: datetime


class Registered(msgspec.Struct, frozen=True, kw_only=True):
    citizen: CitizenRead
    tokens: TokenPair
