from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

from backend.catalogue.definition import ItemDefinition
from backend.fields import doc


class ItemSummary(msgspec.Struct, frozen=True, kw_only=True):
    code: Annotated[
        str,
        doc(
            "The item's code (事项编码): `SQ-`, two to four capitals for the department, four digits",
            "SQ-GA-0001",
        ),
    ]
    name: Annotated[str, doc("The item's name", "居住证办理")]
    department: Annotated[str, doc("The department that handles it", "宿迁市公安局")]
    aliases: Annotated[
        list[str], doc("Everyday words people search the item by", ["居住证申领", "暂住证", "办居住证"])
    ]
    fee_fen: int
    time_limit_days: Annotated[
        int,
        doc(
            "承诺时限: the working days the department promises, counted from acceptance; "
            "0 means on the spot",
            7,
        ),
    ]
    version: int


class ItemList(msgspec.Struct, frozen=True, kw_only=True):
    items: list[ItemSummary]


class ItemRead(msgspec.Struct, frozen=True, kw_only=True):
    """A version of an item: its whole definition (form and UI schema included)."""

    code: Annotated[
        str,
        doc(
            "The item's code (事项编码): `SQ-`, two to four capitals for the department, four digits",
            "SQ-GA-0001",
        ),
    ]
    version: int
    status: Annotated[
        Literal["draft", "published"],
        doc("`draft` (editable, not offered) or `published` (offered; immutable)", "published"),
    ]
    # SHA-256 of the definition as stored: what an application records it was checked against.
    digest: Annotated[
        str,
        doc(
            "SHA-256 (hex) of the definition as stored: what an application records it was checked against",
            "9f2c4b1e8a7d3c6b5e4f1a2d3c4b5a6e7f8091a2b3c4d5e6f708192a3b4c5d6e",
        ),
    ]
    published_at: datetime | None
    definition: ItemDefinition


class VersionList(msgspec.Struct, frozen=True, kw_only=True):
    items: list[ItemRead]
