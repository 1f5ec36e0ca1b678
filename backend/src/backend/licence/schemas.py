from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec

from backend.fields import plain_text, token_text
from backend.licence.repository import RecordRow, RequestRow, VerifierRow
from backend.licence.verifiers import audience

KindCode = Annotated[str, token_text(r"[A-Z_]+", max_length=32)]
# A claim name; whether the licence type has it is the services' to check (``kinds.py``).
Claim = Annotated[str, token_text(r"[a-z0-9_]+", max_length=48)]
Fields = Annotated[list[Claim], msgspec.Meta(min_length=1, max_length=32)]
# 16 random bytes in base64url: 22 characters.
Handle = Annotated[str, token_text(r"[A-Za-z0-9_-]+", min_length=22, max_length=22)]
# An SD-JWT+KB of a licence is ~2 KB; 16 KB refuses garbage early and leaves room for x5c chains.
PresentationText = Annotated[str, token_text(r"[A-Za-z0-9_.~-]+", max_length=16_384)]
Text = Annotated[str, plain_text(max_length=256)]
Name = Annotated[str, plain_text(max_length=128)]
VerifierKind = Literal["department", "counter", "business"]


class LicenceRead(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    kind_code: str
    kind_name: str
    masked_number: str
    issuer_name: str
    issued_on: str
    expires_on: str | None
    status: Literal["valid", "suspended", "expired", "revoked"]
    version: int
    fetched_at: datetime

    @classmethod
    def of(cls, row: RecordRow) -> LicenceRead:
        return cls(
            id=row.id, kind_code=row.kind_code, kind_name=row.kind_name, masked_number=row.masked_number,
            issuer_name=row.issuer_name, issued_on=row.issued_on, expires_on=row.expires_on,
            status=row.status, version=row.version, fetched_at=row.fetched_at,
        )  # fmt: skip


class LicenceList(msgspec.Struct, frozen=True, kw_only=True):
    items: list[LicenceRead]


class FieldRead(msgspec.Struct, frozen=True, kw_only=True):
    claim: str
    label: str
    value: str | bool | None


class LicenceDetail(msgspec.Struct, frozen=True, kw_only=True):
    """The licence's face (every field, for the citizen's own eyes) and the credential issued for it."""

    licence: LicenceRead
    vct: str
    fields: list[FieldRead]
    credential: str


class ShownRead(msgspec.Struct, frozen=True, kw_only=True):
    """What the app renders as a QR (``qr_text``, ≤ 80 characters); ask for a new one at
    ``refresh_at``; a counter can use it once until ``expires_at``."""

    handle: str
    qr_text: str
    expires_at: datetime
    refresh_at: datetime


class VerifierBrief(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    name: str
    kind: VerifierKind
    legal_basis: str
    purpose: str
    retention_days: int
    contact: str


class FieldAsk(msgspec.Struct, frozen=True, kw_only=True):
    claim: str
    label: str


class RequestRead(msgspec.Struct, frozen=True, kw_only=True):
    """A counter's request as the citizen sees it: who asks, why, for which fields."""

    id: uuid.UUID
    state: str
    verifier: VerifierBrief
    kind_code: str
    kind_name: str
    fields: list[FieldAsk]
    disclosed: list[str] | None = None
    expires_at: datetime


class RequestList(msgspec.Struct, frozen=True, kw_only=True):
    items: list[RequestRead]


class Consent(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    fields: Fields


class Ask(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    handle: Handle
    kind_code: KindCode
    fields: Fields


class CounterRequest(msgspec.Struct, frozen=True, kw_only=True):
    """The counter's view: the presentation appears once the citizen consents, until it is verified
    or the request expires."""

    id: uuid.UUID
    state: Literal["pending", "presented", "declined", "expired", "verified", "lapsed"]
    kind_code: str
    requested: list[str]
    disclosed: list[str] | None = None
    nonce: str
    audience: str
    expires_at: datetime
    presentation: str | None = None

    @classmethod
    def of(cls, request: RequestRow, presentation: str | None = None) -> CounterRequest:
        return cls(
            id=request.id, state=request.state, kind_code=request.kind_code, requested=request.requested,
            disclosed=request.disclosed, nonce=request.nonce, audience=audience(request.verifier_id),
            expires_at=request.expires_at, presentation=presentation,
        )  # fmt: skip


class VerifyPresentation(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    presentation: PresentationText


class VerifiedRead(msgspec.Struct, frozen=True, kw_only=True):
    vct: str
    iss: str
    status: Literal["valid"]
    disclosed: list[str]
    claims: dict[str, Any]


class LogRowRead(msgspec.Struct, frozen=True, kw_only=True):
    seq: int
    time: int
    event: str
    verifier_id: str | None
    verifier_name: str | None
    purpose: str | None
    licence_type: str | None
    requested: list[list[str | int]]
    disclosed: list[list[str | int]]
    outcome: str
    row_hash: str


class LogRead(msgspec.Struct, frozen=True, kw_only=True):
    """The export format of wallet/README.md: re-verify ``rows`` against ``head`` with our JWKS."""

    format: str
    rows: list[LogRowRead]
    head: str


class IssuerMetadata(msgspec.Struct, frozen=True, kw_only=True):
    """``/.well-known/jwt-vc-issuer`` (SD-JWT VC draft §5): the issuer and its keys."""

    issuer: str
    jwks: dict[str, list[dict[str, str]]]


class VerifierCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    device_id: uuid.UUID
    name: Name
    kind: VerifierKind
    legal_basis: Text
    purpose: Text
    # Licence type → the fields of it the verifier may ask for; every type and field must exist.
    allowed: Annotated[dict[KindCode, Fields], msgspec.Meta(min_length=1, max_length=16)]
    retention_days: Annotated[int, msgspec.Meta(ge=0, le=3650)]
    contact: Name


class VerifierRead(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    device_id: uuid.UUID
    name: str
    kind: VerifierKind
    legal_basis: str
    purpose: str
    allowed: dict[str, list[str]]
    retention_days: int
    contact: str
    created_at: datetime
    suspended_at: datetime | None = None

    @classmethod
    def of(cls, row: VerifierRow) -> VerifierRead:
        return cls(
            id=row.id, device_id=row.device_id, name=row.name, kind=row.kind, legal_basis=row.legal_basis,
            purpose=row.purpose, allowed=row.allowed, retention_days=row.retention_days, contact=row.contact,
            created_at=row.created_at, suspended_at=row.suspended_at,
        )  # fmt: skip


class VerifierList(msgspec.Struct, frozen=True, kw_only=True):
    items: list[VerifierRead]


class CardPackAdd(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    platform: Literal["wechat", "alipay"]


class CardPointerRead(msgspec.Struct, frozen=True, kw_only=True):
    """A pointer in a card pack. ``add_card`` (WeChat): hand it to ``wx.addCard`` unchanged — the card
    is in the pack once the citizen accepts there; Alipay's pass is in the pack at once."""

    platform: Literal["wechat", "alipay"]
    serial: str
    created_at: datetime
    withdrawn_at: datetime | None = None
    add_card: dict[str, str] | None = None


class CardPointerList(msgspec.Struct, frozen=True, kw_only=True):
    items: list[CardPointerRead]
