"""HTTP shapes of the citizen code."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

import msgspec

from backend.fields import plain_text

# The library refuses text over 1000 characters before parsing; a little headroom lets it say so
# ("malformed") instead of a validation error, while still bounding what we decode.
CodeText = Annotated[str, msgspec.Meta(min_length=1, max_length=1200)]
# A P-256 public key, base64 (standard or URL-safe, padding optional): SEC1 point or DER SPKI.
PublicKeyText = Annotated[str, msgspec.Meta(min_length=40, max_length=200)]
# The phone's name as its owner typed it; shown back in the device list.
Label = Annotated[str, plain_text(max_length=64)]
StatusName = Literal["normal", "restricted"]


class CodeRead(msgspec.Struct, frozen=True, kw_only=True):
    """An online code; show it as a QR (alphanumeric, ECC M) and fetch a new one after ``refresh_in`` s."""

    code: str
    issued_at: datetime
    expires_at: datetime
    refresh_in: int


class DeviceCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    public_key: PublicKeyText
    label: Label = "phone"


class DeviceRead(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    label: str
    created_at: datetime
    credential_expires_at: datetime
    revoked_at: datetime | None = None


class DeviceEnrolled(msgspec.Struct, frozen=True, kw_only=True):
    """The holder credential (COSE_Sign1, base64url without padding) the phone embeds in every frame
    it signs; register the same key again before ``expires_at`` to renew it."""

    device: DeviceRead
    holder_credential: str
    issued_at: datetime
    expires_at: datetime


class DeviceList(msgspec.Struct, frozen=True, kw_only=True):
    items: list[DeviceRead]


class VerifyRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    code: CodeText


class VerifyResult(msgspec.Struct, frozen=True, kw_only=True):
    """The gate's answer. ``reason`` is one of citizen_code's reasons (``ok``, ``expired``,
    ``replayed``, ``restricted``, ...); ``pseudonym`` identifies the citizen within this scene only,
    and is null when the code's signature did not verify."""

    decision: Literal["pass", "deny"]
    reason: str
    scene: str
    pseudonym: str | None = None


class RevocationRead(msgspec.Struct, frozen=True, kw_only=True):
    code_id: str
    revoked_at: datetime


class RevocationPage(msgspec.Struct, frozen=True, kw_only=True):
    """Entries after the request's cursor, oldest first. Pass ``next_cursor`` as ``since`` next
    time (also when ``items`` is empty); ``has_more`` says to ask again right away."""

    items: list[RevocationRead]
    next_cursor: str
    has_more: bool


class ScanUpload(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    code: CodeText
    scanned_at: datetime


class ScanBatch(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    scans: Annotated[list[ScanUpload], msgspec.Meta(min_length=1, max_length=500)]


class CloneFlag(msgspec.Struct, frozen=True, kw_only=True):
    """``frame_reused``: the very frame or online code was scanned at another scanner too;
    ``credential_cloned``: the same holder credential was scanned at another venue within minutes."""

    kind: Literal["frame_reused", "credential_cloned"]
    pseudonym: str
    scanned_at: datetime
    other_scene: str
    other_venue: str
    other_scanned_at: datetime


class ScanReceipt(msgspec.Struct, frozen=True, kw_only=True):
    received: int
    stored: int
    flags: list[CloneFlag]


class TrustAnchorRead(msgspec.Struct, frozen=True, kw_only=True):
    """The key trust lists are signed with; provision a scanner with it once."""

    kid: str
    alg: str
    public_key_pem: str


class IssuerKeyRead(msgspec.Struct, frozen=True, kw_only=True):
    kid: str
    state: Literal["staged", "active", "retired"]
    published_at: datetime
    activated_at: datetime | None
    retired_at: datetime | None


class IssuerKeyList(msgspec.Struct, frozen=True, kw_only=True):
    trust_list_seq: int
    items: list[IssuerKeyRead]


class HolderStatusUpdate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    status: StatusName
