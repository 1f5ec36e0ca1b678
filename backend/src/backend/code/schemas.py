"""HTTP shapes of the citizen code."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Literal

import msgspec

from backend.code.keys import TrustMaterial
from backend.code.scans import FlaggedClone
from backend.fields import doc, plain_text
from citizen_code import Reason

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

    code: Annotated[
        str,
        doc(
            "The code: `SQ1:` and Base45 (the QR alphanumeric set)",
            "SQ1:6BFOXN*TS0BI$ZDYSHIXBK:S7VR+$1M/8R7K4V7H5A0+/UG/8N9I4TQ3W.IR.3U/BE9QE5.D5U8$L7HBD+IT%35T7I",
        ),
    ]
    issued_at: Annotated[datetime, doc("When it was signed (ISO 8601, UTC)")]
    expires_at: datetime
    refresh_in: Annotated[int, doc("Seconds until the app should fetch the next code", 20)]


class DeviceCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A phone's P-256 key for the offline mode; the same key again renews its holder credential."""

    public_key: Annotated[
        PublicKeyText,
        doc(
            "The phone's P-256 public key, base64 or base64url: the SEC1 point (65 or 33 bytes) or DER SPKI",
            "BOB-fY6km6VDbGc4tcMBlMDuKn9rZO5K8REVdDerPd4svqM23f1zuO-Sq2ypB-SWowuH7h3gkkkKMNCHNhQare0",
        ),
    ]
    label: Annotated[Label, doc("The phone's name as its owner knows it", "宿小迁的 iPhone")] = "phone"


class DeviceRead(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    label: Annotated[str, doc("The phone's name as its owner gave it", "宿小迁的 iPhone")]
    created_at: datetime
    credential_expires_at: Annotated[
        datetime, doc("When its current holder credential expires (ISO 8601, UTC)")
    ]
    revoked_at: Annotated[datetime, doc("When it was revoked; null while it is live")] | None = None


class DeviceEnrolled(msgspec.Struct, frozen=True, kw_only=True):
    """The holder credential (COSE_Sign1, base64url without padding) the phone embeds in every frame
    it signs; register the same key again before ``expires_at`` to renew it."""

    device: DeviceRead
    holder_credential: Annotated[
        str, doc("The holder credential: COSE_Sign1, base64url without padding; embed it in every frame")
    ]
    issued_at: Annotated[datetime, doc("When it was issued: the server's clock, to date frames by")]
    expires_at: Annotated[datetime, doc("When it expires (48 h); renew before")]


class DeviceList(msgspec.Struct, frozen=True, kw_only=True):
    items: list[DeviceRead]


class VerifyRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    code: Annotated[
        CodeText,
        doc(
            "The scanned text, as the QR held it",
            "SQ1:6BFOXN*TS0BI$ZDYSHIXBK:S7VR+$1M/8R7K4V7H5A0+/UG/8N9I4TQ3W.IR.3U/BE9QE5.D5U8$L7HBD+IT%35T7I",
        ),
    ]


class VerifyResult(msgspec.Struct, frozen=True, kw_only=True):
    """The gate's answer. ``reason`` is one of citizen_code's reasons (``ok``, ``expired``,
    ``replayed``, ``restricted``, ...); ``pseudonym`` identifies the citizen within this scene only,
    and is null when the code's signature did not verify."""

    decision: Annotated[Literal["pass", "deny"], doc("Open the gate, or not", "pass")]
    reason: Annotated[Reason, doc("Why: `ok` for a pass, else what failed", "ok")]
    scene: Annotated[str, doc("The scanner's scene", "library")]
    pseudonym: (
        Annotated[
            str,
            doc("The citizen within this scene only (stable there, unlinkable elsewhere)", "p_7Jx2Qm9Lk4"),
        ]
        | None
    ) = None


class RevocationRead(msgspec.Struct, frozen=True, kw_only=True):
    code_id: Annotated[str, doc("The revoked code id (a pseudonym, never personal data)", "aebagbafaydqqcik")]
    revoked_at: Annotated[datetime, doc("From when its codes and frames are refused (ISO 8601, UTC)")]


class RevocationPage(msgspec.Struct, frozen=True, kw_only=True):
    """Entries after the request's cursor, oldest first. Pass ``next_cursor`` as ``since`` next
    time (also when ``items`` is empty); ``has_more`` says to ask again right away."""

    items: list[RevocationRead]
    next_cursor: Annotated[str, doc("Pass as `since` next time, also when `items` is empty")]
    has_more: bool


class ScanUpload(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    code: Annotated[CodeText, doc("The text the scanner read offline")]
    scanned_at: Annotated[datetime, doc("When the scanner read it (its clock; ISO 8601)")]


class ScanBatch(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    scans: Annotated[
        list[ScanUpload],
        msgspec.Meta(min_length=1, max_length=500, description="Offline scans, oldest first"),
    ]


class CloneFlag(msgspec.Struct, frozen=True, kw_only=True):
    """``frame_reused``: the very frame or online code was scanned at another scanner too;
    ``credential_cloned``: the same holder credential was scanned at another venue within minutes."""

    kind: Annotated[Literal["frame_reused", "credential_cloned"], doc("What was seen twice")]
    pseudonym: Annotated[str, doc("The citizen within this scanner's scene")]
    scanned_at: Annotated[datetime, doc("When this scanner read it")]
    other_scene: Annotated[str, doc("The other scanner's scene", "bus")]
    other_venue: Annotated[str, doc("The other scanner's venue", "宿迁 K1 路公交")]
    other_scanned_at: Annotated[datetime, doc("When the other scanner read it")]


class ScanReceipt(msgspec.Struct, frozen=True, kw_only=True):
    received: Annotated[int, doc("Scans in the upload")]
    stored: Annotated[int, doc("Scans stored (a repeat upload stores nothing again)")]
    flags: Annotated[list[CloneFlag], doc("Signs of a copied code among them")]


class TrustAnchorRead(msgspec.Struct, frozen=True, kw_only=True):
    """The key trust lists are signed with; provision a scanner with it once."""

    kid: Annotated[str, doc("The anchor key's id: hex of the first 8 bytes of SHA-256 over its SPKI")]
    alg: Annotated[str, doc("Its algorithm", "ES256")]
    public_key_pem: Annotated[str, doc("The public key, PEM: save it as `anchor.pem`")]


class IssuerKeyRead(msgspec.Struct, frozen=True, kw_only=True):
    kid: Annotated[str, doc("The issuer key's id (hex)", "a7f8288dd0162ced")]
    state: Annotated[Literal["staged", "active", "retired"], doc("Published ahead, signing, or retired")]
    published_at: Annotated[datetime, doc("When it entered the trust list")]
    activated_at: datetime | None
    retired_at: datetime | None


class IssuerKeyList(msgspec.Struct, frozen=True, kw_only=True):
    trust_list_seq: Annotated[int, doc("The sequence number of the trust list now served")]
    items: list[IssuerKeyRead]


class HolderStatusUpdate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    status: Annotated[StatusName, doc("The standing the citizen's codes assert", "restricted")]


class CloneFlagRead(msgspec.Struct, frozen=True, kw_only=True):
    """A suspected clone an offline scan log showed: the same frame at two scanners
    (``frame_reused``), or the same holder credential at two venues within minutes
    (``credential_cloned``)."""

    id: Annotated[int, doc("The flag's number", 42)]
    kind: Annotated[
        Literal["frame_reused", "credential_cloned"], doc("What was seen twice", "credential_cloned")
    ]
    code_id: Annotated[
        str, doc("The code's id (as the audit log's `code.clone_flagged` names it)", "3q9XkP2mWv7ZtA0b")
    ]
    flagged_at: Annotated[datetime, doc("When the upload that showed it was received")]
    scene: Annotated[str, doc("The uploading scanner's scene", "library")]
    venue: Annotated[str, doc("The uploading scanner's venue", "宿迁市图书馆一楼")]
    scanned_at: Annotated[datetime, doc("When the uploading scanner read it")]
    other_scene: Annotated[str, doc("The other scanner's scene", "bus")]
    other_venue: Annotated[str, doc("The other scanner's venue", "宿迁 K1 路公交")]
    other_scanned_at: Annotated[datetime, doc("When the other scanner read it")]


class CloneFlagList(msgspec.Struct, frozen=True, kw_only=True):
    items: Annotated[list[CloneFlagRead], doc("The latest flags, newest first")]


def clone_flag(flag: FlaggedClone) -> CloneFlagRead:
    return CloneFlagRead(**msgspec.structs.asdict(flag))


def _at(epoch: int | None) -> datetime | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, UTC)


def issuer_key_list(material: TrustMaterial) -> IssuerKeyList:
    """The issuer keys of the trust list now served, as ``/admin/citizen-code/keys`` (and the
    console) shows them."""
    return IssuerKeyList(
        trust_list_seq=material.seq,
        items=[
            IssuerKeyRead(
                kid=entry.key.kid.hex(),
                state="retired"
                if entry.retired_at is not None
                else "active"
                if entry.activated_at is not None
                else "staged",
                published_at=datetime.fromtimestamp(entry.published_at, UTC),
                activated_at=_at(entry.activated_at),
                retired_at=_at(entry.retired_at),
            )
            for entry in material.ring.entries
        ],
    )
