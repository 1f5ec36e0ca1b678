from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import msgspec

from backend.fields import plain_text, token_text
from backend.staff.repository import Role

# Lower-cased before lookup and storage, so "Admin" and "admin" are one account.
Username = Annotated[str, token_text(r"[A-Za-z0-9][A-Za-z0-9._-]+", min_length=2, max_length=64)]
# 128: long passphrases welcome, but Argon2 must not be handed megabytes (research A.2).
Password = Annotated[str, msgspec.Meta(min_length=1, max_length=128)]
DisplayName = Annotated[str, plain_text(max_length=64)]


class StaffLogin(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    username: Username
    password: Password


class StaffToken(msgspec.Struct, frozen=True, kw_only=True):
    access_token: str
    token_type: str = "Bearer"  # noqa: S105 (RFC 6750)
    expires_in: int
    role: Role


class StaffCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    username: Username
    display_name: DisplayName
    role: Role
    password: Password


class StaffRead(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    username: str
    display_name: str
    role: Role
    active: bool
    created_at: datetime


class StaffPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[StaffRead]
    next_cursor: str | None = None
