"""HTTP shapes of the citizen feature. Responses carry personal data masked, never in full."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import msgspec

from backend.auth.schemas import Password, Phone, SmsCode
from backend.auth.tokens import TokenPair
from backend.fields import doc, plain_text, token_text

# 256 random bits in base64url: what citizen.face_verification_required handed out.
FaceTicket = Annotated[str, token_text(r"[A-Za-z0-9_-]+", min_length=43, max_length=43)]


class RegisterRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The phone is proven by ``sms_code`` (purpose "register"), or — after a 409
    ``citizen.face_verification_required`` and a face scan — by the ``face_ticket`` that answer gave
    (the same phone, name and ID number again): exactly one of the two."""

    phone: Phone
    sms_code: (
        Annotated[SmsCode, doc("The SMS code (purpose `register`), or null with `face_ticket`")] | None
    ) = None
    face_ticket: (
        Annotated[
            FaceTicket,
            doc("The ticket of a passed face verification, after 409 `citizen.face_verification_required`"),
        ]
        | None
    ) = None
    name: Annotated[str, plain_text(max_length=32), doc("The name on the ID card", "宿小迁")]
    # Length only here; the GB 11643 check digit is checked by the service (422 citizen.id_number_invalid).
    id_number: Annotated[
        str,
        msgspec.Meta(min_length=18, max_length=18),
        doc("The resident ID number (GB 11643), checked with the population registry", "321302199505200017"),
    ]
    password: Annotated[Password, doc("A password for password login; null: SMS login only")] | None = None


class CitizenRead(msgspec.Struct, frozen=True, kw_only=True):
    """The citizen, personal data masked."""

    id: uuid.UUID
    name: Annotated[str, doc("The real name, masked: the first character kept", "宿**")]
    id_number: Annotated[str, doc("The ID number, masked: first and last 4 kept", "3213**********0017")]
    phone: Annotated[str, doc("The phone, masked: first 3 and last 4 kept", "138****0001")]
    has_password: Annotated[bool, doc("A password is set (else SMS login only)")]
    verified_at: Annotated[datetime, doc("When the real name was verified (ISO 8601, UTC)")]
    created_at: datetime


class Registered(msgspec.Struct, frozen=True, kw_only=True):
    citizen: CitizenRead
    tokens: TokenPair
