from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import msgspec

from backend.fields import doc, token_text


class PersonalDataCategoryRead(msgspec.Struct, frozen=True, kw_only=True):
    feature: Annotated[str, doc("The feature holding this data", "tourism")]
    name: Annotated[str, doc("The category's name", "tourism")]
    description: Annotated[str, doc("What we hold", "您为之购票的游客（姓名、身份证号）、订单与实名门票")]
    purpose: Annotated[str, doc("Why we hold it", "Real-name timed tickets to scenic spots")]
    legal_basis: Annotated[str, doc("The law that lets us hold it", "PIPL art. 13(2)")]
    retention: Annotated[str, doc("How long we keep it", "While the account is open")]
    on_closure: Annotated[
        str, doc('What closing the account does to it: "deleted", or "retained: <why>"', "deleted")
    ]
    tables: Annotated[list[str], doc("The tables it lives in", ["tourism_visitor", "tourism_ticket"])]


class PersonalDataCategoryList(msgspec.Struct, frozen=True, kw_only=True):
    items: list[PersonalDataCategoryRead]


class ExportRead(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    state: Annotated[str, doc("pending (being built), ready (download once), downloaded or expired", "ready")]
    size: Annotated[int, doc("The export's size in bytes (0 until ready)", 48213)]
    requested_at: datetime
    ready_at: Annotated[datetime | None, doc("When it was built; null while pending")]
    expires_at: datetime | None
    downloaded_at: datetime | None
    download: Annotated[
        str | None,
        doc(
            "The path to download it from, once; null unless ready", "/api/v1/data-rights/exports/…/download"
        ),
    ]


class ExportList(msgspec.Struct, frozen=True, kw_only=True):
    items: list[ExportRead]


class ConsentRead(msgspec.Struct, frozen=True, kw_only=True):
    name: Annotated[str, doc("The consent's name", "licence.showing")]
    description: Annotated[str, doc("What you agreed to", "Showing your licences to a registered counter")]
    live: Annotated[int, doc("How many grants of it are live now", 2)]


class ConsentList(msgspec.Struct, frozen=True, kw_only=True):
    items: list[ConsentRead]


ConsentName = Annotated[str, token_text("[a-z_.]+", max_length=64)]


class ConsentWithdrawn(msgspec.Struct, frozen=True, kw_only=True):
    name: Annotated[str, doc("The consent withdrawn", "notification.subscriptions")]
    ended: Annotated[int, doc("How many grants it ended", 3)]


class BlockerRead(msgspec.Struct, frozen=True, kw_only=True):
    code: str
    detail: str
    count: int


class ClosureRead(msgspec.Struct, frozen=True, kw_only=True):
    state: Annotated[str, doc("closing (being carried out) or closed", "closing")]
    requested_at: datetime
    done_at: datetime | None
