from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import msgspec

from backend.fields import doc, plain_text, token_text
from backend.scanner.scenes import Scene

Venue = Annotated[str, plain_text(max_length=128)]
# 256 bits in base64url: exactly 43 characters.
Credential = Annotated[str, token_text(r"[A-Za-z0-9_-]+", min_length=43, max_length=43)]


class ScannerCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    scene: Annotated[Scene, doc("Where it stands: decides which codes pass (the scene policy)", "library")]
    venue: Annotated[Venue, doc("Its place, shown in audits and clone flags", "宿迁市图书馆一楼")]


class ScannerRead(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    scene: Annotated[Scene, doc("Where it stands", "library")]
    venue: Annotated[str, doc("Its place", "宿迁市图书馆一楼")]
    registered_by: Annotated[uuid.UUID, doc("The operator who registered it")]
    created_at: datetime
    revoked_at: Annotated[datetime, doc("When it was revoked; null while live")] | None = None


class ScannerRegistered(msgspec.Struct, frozen=True, kw_only=True):
    """The answer to a registration: the only time the credential is ever shown."""

    device: ScannerRead
    credential: Annotated[
        str,
        doc(
            "Its reusable device secret, shown this once: configure the device with it; it trades it for "
            "device tokens (`POST /api/v1/scanner/token`) until the scanner is revoked"
        ),
    ]


class ScannerPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[ScannerRead]
    next_cursor: str | None = None


class DeviceTokenRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    device_id: Annotated[uuid.UUID, doc("The scanner's id, from its registration")]
    credential: Annotated[Credential, doc("The device secret shown at registration")]


class DeviceToken(msgspec.Struct, frozen=True, kw_only=True):
    access_token: str
    token_type: str = "Bearer"  # noqa: S105 (RFC 6750)
    expires_in: int
    scene: Annotated[Scene, doc("The scanner's scene")]
    venue: Annotated[str, doc("The scanner's venue", "宿迁市图书馆一楼")]
