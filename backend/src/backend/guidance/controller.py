"""Guidance over HTTP: anyone asks; operators keep the aliases and FAQ entries and read what found
nothing."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, PathParameter, QueryParameter
from litestar.status_codes import HTTP_201_CREATED

from backend.access import ANYONE
from backend.auth.guards import staff
from backend.auth.principal import Principal
from backend.catalogue.errors import ItemNotFound
from backend.guidance.errors import (
    MAX_QUESTION,
    QUESTION_PATTERN,
    AliasExists,
    AliasNotFound,
    FaqExists,
    FaqNotDraft,
    FaqNotFound,
    FaqRetired,
    QuestionEmpty,
    QuestionTooLong,
    QuestionUnreadable,
)
from backend.guidance.policy import Decision
from backend.guidance.repository import AliasRow, FaqRow, MissRow
from backend.guidance.schemas import (
    AliasCreate,
    AliasList,
    AliasRead,
    FaqApprove,
    FaqCreate,
    FaqEdit,
    FaqList,
    FaqRead,
    GuidanceAnswer,
    GuidanceResult,
    MissPage,
    MissRead,
    Status,
)
from backend.guidance.service import GuidanceService
from backend.pagination import CursorInvalid
from backend.web import client_address

SlugPath = Annotated[str, PathParameter(pattern=r"^[a-z0-9][a-z0-9-]{1,63}$", max_length=64)]
ItemCodeQuery = Annotated[str | None, QueryParameter(pattern=r"^SQ-[A-Z]{2,4}-[0-9]{4}$", max_length=16)]
PageSize = Annotated[int, QueryParameter(ge=1, le=100)]
# Required (no q at all is Litestar's 400 request.invalid); the rest is documented, not validated by
# Litestar: the service answers a blank, huge or binary question with a guidance code of its own (400).
Question = Annotated[
    str,
    QueryParameter(
        description="The question in everyday words (简体 or 繁體)",
        schema_extra={"minLength": 1, "maxLength": MAX_QUESTION, "pattern": QUESTION_PATTERN},
    ),
]


def _answer(decision: Decision) -> GuidanceAnswer:
    results = []
    for hit in decision.hits:
        entry = hit.entry
        answer, asked = (hit.faq[1], hit.faq[0]) if hit.faq else (entry.answer, None)
        results.append(
            GuidanceResult(
                kind=entry.kind,
                key=entry.key,
                title=entry.title,
                confidence=hit.confidence,
                department=entry.department,
                answer=answer,
                answer_question=asked,
                item_code=entry.key if entry.kind == "item" else entry.item_code,
            )
        )
    return GuidanceAnswer(
        mode=decision.mode,
        confidence=decision.confidence,
        results=results,
        clarifying_question=decision.clarifying_question,
    )


def _alias(row: AliasRow) -> AliasRead:
    return AliasRead(
        id=row.id,
        item_code=row.item_code,
        phrase=row.phrase,
        created_at=row.created_at,
        created_by=row.created_by,
    )


def _faq(row: FaqRow) -> FaqRead:
    return FaqRead(
        slug=row.slug,
        topic=row.topic,
        question=row.question,
        answer=row.answer,
        phrasings=row.phrasings,
        item_code=row.item_code,
        status=row.status,  # type: ignore[arg-type]
        revision=row.revision,
        created_at=row.created_at,
        created_by=row.created_by,
        updated_at=row.updated_at,
        updated_by=row.updated_by,
        approved_at=row.approved_at,
        approved_by=row.approved_by,
    )


def _miss(row: MissRow) -> MissRead:
    return MissRead(
        id=row.id, question=row.question, asked=row.asked, first_at=row.first_at, last_at=row.last_at
    )


class GuidanceController(Controller):
    path = "/api/v1/guidance"
    tags = ("guidance",)

    @get(
        "/",
        summary="Ask in everyday words (简体 or 繁體): the service items and approved answers that fit, "
        "with a confidence; below it, choices and a clarifying question, or none",
        access=ANYONE,
        errors=(QuestionEmpty, QuestionTooLong, QuestionUnreadable),
    )
    async def ask(
        self,
        request: Request[Any, Any, Any],
        guidance: NamedDependency[GuidanceService],
        q: Question,
    ) -> GuidanceAnswer:
        return _answer(await guidance.ask(q, client=client_address(request)))


class GuidanceAdminController(Controller):
    path = "/api/v1/admin/guidance"
    tags = ("admin",)
    opt = {"access": staff("operator")}  # noqa: RUF012 (Litestar's declaration style)

    @get("/aliases", summary="Staff aliases of catalogue items (all, or one item's)")
    async def aliases(
        self, guidance: NamedDependency[GuidanceService], item_code: ItemCodeQuery = None
    ) -> AliasList:
        return AliasList(items=[_alias(r) for r in await guidance.aliases(item_code)])

    @post(
        "/aliases",
        status_code=HTTP_201_CREATED,
        summary="Add a phrase that leads to a published item (shown to residents at once)",
        errors=(ItemNotFound, AliasExists),
    )
    async def add_alias(
        self,
        data: JSONBody[AliasCreate],
        guidance: NamedDependency[GuidanceService],
        principal: NamedDependency[Principal],
    ) -> AliasRead:
        return _alias(await guidance.add_alias(data.item_code, data.phrase, by=principal.subject))

    @delete("/aliases/{alias_id:uuid}", summary="Remove an alias", errors=(AliasNotFound,))
    async def remove_alias(
        self,
        alias_id: FromPath[uuid.UUID],
        guidance: NamedDependency[GuidanceService],
        principal: NamedDependency[Principal],
    ) -> None:
        await guidance.remove_alias(alias_id, by=principal.subject)

    @get("/faqs", summary="FAQ entries, every status (only approved ones are shown to residents)")
    async def faqs(
        self, guidance: NamedDependency[GuidanceService], status: FromQuery[Status | None] = None
    ) -> FaqList:
        return FaqList(items=[_faq(r) for r in await guidance.faqs(status)])

    @post(
        "/faqs",
        status_code=HTTP_201_CREATED,
        summary="Draft an FAQ entry (shown once approved)",
        errors=(ItemNotFound, FaqExists),
    )
    async def add_faq(
        self,
        data: JSONBody[FaqCreate],
        guidance: NamedDependency[GuidanceService],
        principal: NamedDependency[Principal],
    ) -> FaqRead:
        return _faq(
            await guidance.add_faq(
                slug=data.slug,
                by=principal.subject,
                topic=data.topic,
                question=data.question,
                answer=data.answer,
                phrasings=data.phrasings,
                item_code=data.item_code,
            )
        )

    @get("/faqs/{slug:str}", summary="An FAQ entry", errors=(FaqNotFound,))
    async def faq(self, slug: SlugPath, guidance: NamedDependency[GuidanceService]) -> FaqRead:
        return _faq(await guidance.faq(slug))

    @put(
        "/faqs/{slug:str}",
        summary="Edit an FAQ entry: a new revision, a draft again until approved",
        errors=(FaqNotFound, FaqRetired, ItemNotFound),
    )
    async def edit_faq(
        self,
        slug: SlugPath,
        data: JSONBody[FaqEdit],
        guidance: NamedDependency[GuidanceService],
        principal: NamedDependency[Principal],
    ) -> FaqRead:
        return _faq(
            await guidance.edit_faq(
                slug,
                by=principal.subject,
                topic=data.topic,
                question=data.question,
                answer=data.answer,
                phrasings=data.phrasings,
                item_code=data.item_code,
            )
        )

    @post(
        "/faqs/{slug:str}/approve",
        status_code=200,
        summary="Approve the draft of the revision you read: residents see its answer from now on",
        errors=(FaqNotFound, FaqNotDraft),
    )
    async def approve_faq(
        self,
        slug: SlugPath,
        data: JSONBody[FaqApprove],
        guidance: NamedDependency[GuidanceService],
        principal: NamedDependency[Principal],
    ) -> FaqRead:
        return _faq(await guidance.approve_faq(slug, revision=data.revision, by=principal.subject))

    @post(
        "/faqs/{slug:str}/retire",
        status_code=200,
        summary="Retire an FAQ entry: no longer shown, kept for the record",
        errors=(FaqNotFound, FaqRetired),
    )
    async def retire_faq(
        self,
        slug: SlugPath,
        guidance: NamedDependency[GuidanceService],
        principal: NamedDependency[Principal],
    ) -> FaqRead:
        return _faq(await guidance.retire_faq(slug, by=principal.subject))

    @get(
        "/misses",
        summary="Questions that found nothing (masked), most asked first: to mine for aliases and FAQs",
        errors=(CursorInvalid,),
    )
    async def misses(
        self,
        guidance: NamedDependency[GuidanceService],
        cursor: FromQuery[str | None] = None,
        limit: PageSize = 50,
    ) -> MissPage:
        rows, next_cursor = await guidance.misses(cursor=cursor, limit=limit)
        return MissPage(items=[_miss(r) for r in rows], next_cursor=next_cursor)
