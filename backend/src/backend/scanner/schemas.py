from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import msgspec

from backend.fields import plain_text, token_text
from backend.scanner.scenes import Scene

Venue = Annotated[str, plain_text(max_length=128)]
# 256 bits in base64url: exactly 43 characters.
Credential = Annotated[str, token_text(r"[A-Za-z0-9_-]+", min_length=43, max_length=43)]


class ScannerCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    scene: Scene
    venue: Venue


class ScannerRead(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    scene: Scene
    venue: str
    registered_by: uuid.UUID
    created_at: datetime
    revoked_at: datetime | None = None


class ScannerRegistered(msgspec.Struct, frozen=True, kw_only=True):
    """The answer to a registration: the only time the credential is ever shown."""

    device: ScannerRead
    credential: str


class ScannerPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[ScannerRead]
    next_cursor: str | None = None


class DeviceTokenRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    device_id: uuid.UUID
    credential: Credential


class DeviceToken(msgspec.Struct, frozen=True, kw_only=True):
    access_token: str
    token_type: str = "Bearer"  # noqa: S105 (RFC 6750)
    expires_in: int
    scene: Scene
    venue: str
