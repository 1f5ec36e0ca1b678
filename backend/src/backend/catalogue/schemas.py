from __future__ import annotations

from datetime import datetime
from typing import Literal

import msgspec

from backend.catalogue.definition import ItemDefinition


class ItemSummary(msgspec.Struct, frozen=True, kw_only=True):
    code: str
    name: str
    department: str
    aliases: list[str]
    fee_fen: int
    time_limit_days: int
    version: int


class ItemList(msgspec.Struct, frozen=True, kw_only=True):
    items: list[ItemSummary]


class ItemRead(msgspec.Struct, frozen=True, kw_only=True):
    """A version of an item: its whole definition (form and UI schema included)."""

    code: str
    version: int
    status: Literal["draft", "published"]
    # SHA-256 of the definition as stored: what an application records it was checked against.
    digest: str
    published_at: datetime | None
    definition: ItemDefinition


class VersionList(msgspec.Struct, frozen=True, kw_only=True):
    items: list[ItemRead]
