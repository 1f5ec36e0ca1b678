from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import msgspec

from backend.fields import token_text


class CategoryRead(msgspec.Struct, frozen=True, kw_only=True):
    feature: str
    name: str
    description: str
    purpose: str
    legal_basis: str
    retention: str
    # What closing the account does to it: "deleted", or "retained: <why>".
    on_closure: str
    tables: list[str]


class CategoryList(msgspec.Struct, frozen=True, kw_only=True):
    items: list[CategoryRead]


class ExportRead(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    # pending (being built) | ready (download once) | downloaded | expired
    state: str
    size: int
    requested_at: datetime
    ready_at: datetime | None
    expires_at: datetime | None
    downloaded_at: datetime | None
    download: str | None


class ExportList(msgspec.Struct, frozen=True, kw_only=True):
    items: list[ExportRead]


class ConsentRead(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    description: str
    live: int


class ConsentList(msgspec.Struct, frozen=True, kw_only=True):
    items: list[ConsentRead]


ConsentName = Annotated[str, token_text("[a-z_.]+", max_length=64)]


class ConsentWithdrawn(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    ended: int


class BlockerRead(msgspec.Struct, frozen=True, kw_only=True):
    code: str
    detail: str
    count: int


class ClosureRead(msgspec.Struct, frozen=True, kw_only=True):
    # closing (the outbox is deleting) | closed
    state: str
    requested_at: datetime
    done_at: datetime | None
