"""Guidance's rows: staff aliases, FAQ entries, and the masked questions that found nothing. An FAQ's
status moves only by conditional UPDATEs, so two operators racing (one editing, one approving) never
approve a text nobody approved."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

import msgspec
from piccolo.querystring import QueryString

from backend.clock import as_utc
from backend.database import Repository
from backend.guidance.tables import GuidanceAlias, GuidanceFaq, GuidanceMiss


class AliasRow(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    item_code: str
    phrase: str
    created_at: datetime
    created_by: str


class FaqRow(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    slug: str
    topic: str
    question: str
    answer: str
    phrasings: list[str]
    item_code: str | None
    status: str
    revision: int
    created_at: datetime
    created_by: str
    updated_at: datetime
    updated_by: str
    approved_at: datetime | None
    approved_by: str | None


class MissRow(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    question: str
    asked: int
    first_at: datetime
    last_at: datetime


def _alias(raw: dict[str, Any]) -> AliasRow:
    return msgspec.convert({**raw, "created_at": as_utc(raw["created_at"])}, AliasRow)


def _faq(raw: dict[str, Any]) -> FaqRow:
    approved = raw["approved_at"]
    return msgspec.convert(
        {
            **raw,
            "phrasings": json.loads(raw["phrasings"]),
            "created_at": as_utc(raw["created_at"]),
            "updated_at": as_utc(raw["updated_at"]),
            "approved_at": as_utc(approved) if approved is not None else None,
        },
        FaqRow,
    )


def _miss(raw: dict[str, Any]) -> MissRow:
    return msgspec.convert(
        {**raw, "first_at": as_utc(raw["first_at"]), "last_at": as_utc(raw["last_at"])}, MissRow
    )


_Faq = GuidanceFaq
_Miss = GuidanceMiss


class GuidanceRepository(Repository):
    async def aliases(self, item_code: str | None = None) -> list[AliasRow]:
        query = GuidanceAlias.select().order_by(GuidanceAlias.item_code).order_by(GuidanceAlias.phrase)
        if item_code is not None:
            query = query.where(GuidanceAlias.item_code == item_code)
        return [_alias(r) for r in await query]

    async def add_alias(self, row: AliasRow) -> None:
        """Raises a unique violation when the item has the phrase already."""
        await GuidanceAlias.insert(GuidanceAlias(**msgspec.structs.asdict(row)))

    async def remove_alias(self, alias_id: uuid.UUID) -> AliasRow | None:
        rows = (
            await GuidanceAlias.delete()
            .where(GuidanceAlias.id == alias_id)
            .returning(*GuidanceAlias.all_columns())
        )
        return _alias(rows[0]) if rows else None

    async def faqs(self, status: str | None = None) -> list[FaqRow]:
        query = GuidanceFaq.select().order_by(GuidanceFaq.slug)
        if status is not None:
            query = query.where(GuidanceFaq.status == status)
        return [_faq(r) for r in await query]

    async def find_faq(self, slug: str) -> FaqRow | None:
        rows = await GuidanceFaq.select().where(GuidanceFaq.slug == slug)
        return _faq(rows[0]) if rows else None

    async def add_faq(self, row: FaqRow) -> None:
        """Raises a unique violation when the slug is taken."""
        values = msgspec.structs.asdict(row) | {"phrasings": json.dumps(row.phrasings, ensure_ascii=False)}
        await GuidanceFaq.insert(GuidanceFaq(**values))

    async def edit_faq(self, slug: str, *, fields: dict[str, Any], by: str, now: datetime) -> FaqRow | None:
        """A new revision, back to draft; None when there is no such entry or it is retired."""
        values = {**fields, "phrasings": json.dumps(fields["phrasings"], ensure_ascii=False)}
        rows = await (
            _Faq.update(
                {
                    **{getattr(_Faq, k): v for k, v in values.items()},
                    _Faq.status: "draft",
                    _Faq.revision: _Faq.revision + 1,
                    _Faq.updated_at: now,
                    _Faq.updated_by: by,
                    _Faq.approved_at: None,
                    _Faq.approved_by: None,
                }
            )
            .where((_Faq.slug == slug) & (_Faq.status != "retired"))
            .returning(*_Faq.all_columns())
        )
        return _faq(rows[0]) if rows else None

    async def approve_faq(self, slug: str, *, revision: int, by: str, now: datetime) -> FaqRow | None:
        """The draft of exactly ``revision`` approved; None when it is not that draft any more."""
        rows = await (
            _Faq.update({_Faq.status: "approved", _Faq.approved_at: now, _Faq.approved_by: by})
            .where((_Faq.slug == slug) & (_Faq.status == "draft") & (_Faq.revision == revision))
            .returning(*_Faq.all_columns())
        )
        return _faq(rows[0]) if rows else None

    async def retire_faq(self, slug: str, *, by: str, now: datetime) -> FaqRow | None:
        rows = await (
            _Faq.update({_Faq.status: "retired", _Faq.updated_at: now, _Faq.updated_by: by})
            .where((_Faq.slug == slug) & (_Faq.status != "retired"))
            .returning(*_Faq.all_columns())
        )
        return _faq(rows[0]) if rows else None

    async def record_miss(self, question: str, *, now: datetime) -> None:
        await self._engine.run_querystring(
            QueryString(
                "INSERT INTO guidance_miss (id, question, asked, first_at, last_at) "
                "VALUES ({}, {}, 1, {}, {}) "
                "ON CONFLICT (question) DO UPDATE SET asked = guidance_miss.asked + 1, "
                "last_at = excluded.last_at",
                uuid.uuid4(),
                question,
                now,
                now,
            )
        )

    async def misses(self, *, after: tuple[int, datetime, uuid.UUID] | None, limit: int) -> list[MissRow]:
        """Most asked first, then most recent: the keyset is (asked, last_at, id), descending."""
        query = _Miss.select().order_by(_Miss.asked, _Miss.last_at, _Miss.id, ascending=False).limit(limit)
        if after is not None:
            asked, last_at, miss_id = after
            query = query.where(
                (_Miss.asked < asked)
                | ((_Miss.asked == asked) & (_Miss.last_at < last_at))
                | ((_Miss.asked == asked) & (_Miss.last_at == last_at) & (_Miss.id < miss_id))
            )
        return [_miss(r) for r in await query]
