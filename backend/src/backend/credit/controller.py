from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, HeaderParameter, JSONBody, QueryParameter
from litestar.status_codes import HTTP_201_CREATED

from backend.access import ANYONE
from backend.auth.guards import CITIZEN
from backend.auth.principal import Principal
from backend.credit.errors import (
    CreditSubjectUnknown,
    CreditUnavailable,
    DisclosureQueryInvalid,
    ObjectionExists,
    ObjectionNotFound,
)
from backend.credit.repository import ObjectionRow
from backend.credit.schemas import (
    DisclosurePage,
    DisclosureRead,
    ObjectionCreate,
    ObjectionPage,
    ObjectionRead,
    RecordCategory,
    RecordRead,
    ReportRead,
)
from backend.credit.service import CreditService
from backend.idempotency import IDEMPOTENCY_ERRORS, Idempotency, idempotent_json
from backend.pagination import CursorInvalid
from integrations.credit import CreditRecord


def _record(record: CreditRecord) -> RecordRead:
    return RecordRead(
        record_id=record.record_id,
        category=record.category,
        title=record.title,
        authority=record.authority,
        decided_on=record.decided_on,
        valid_until=record.valid_until,
        status=record.status,
    )


def _objection(credit: CreditService, row: ObjectionRow) -> ObjectionRead:
    return ObjectionRead(
        id=row.id,
        record_id=row.record_id,
        reason=credit.reason_of(row),
        status=row.status,
        platform_objection_id=row.objection_id or None,
        reply=row.reply,
        refusal=row.refusal or None,
        created_at=row.created_at,
        decided_at=row.decided_at,
    )


class CreditController(Controller):
    path = "/api/v1/credit"
    tags = ("credit",)
    opt = {"access": CITIZEN}  # noqa: RUF012 (Litestar's declaration style)

    @get(
        "/report",
        summary="Your own public credit report (信用报告), read from the credit platform",
        errors=(CreditSubjectUnknown, CreditUnavailable),
    )
    async def report(
        self, credit: NamedDependency[CreditService], principal: NamedDependency[Principal]
    ) -> ReportRead:
        report = await credit.report(principal.id)
        return ReportRead(
            subject_name=report.subject_name,
            records=[_record(r) for r in report.records],
            queried_at=report.queried_at,
        )

    @get(
        "/disclosures",
        summary="Search legal persons' public credit disclosures (信用公示)",
        description="By unified social credit code (exact) or part of the name: administrative "
        "licences and penalties (双公示), red and black lists. Anyone may search.",
        access=ANYONE,
        errors=(DisclosureQueryInvalid, CursorInvalid, CreditUnavailable),
    )
    async def disclosures(
        self,
        credit: NamedDependency[CreditService],
        q: Annotated[str, QueryParameter(min_length=1, max_length=64)],
        category: Annotated[RecordCategory | None, QueryParameter()] = None,
        cursor: Annotated[str | None, QueryParameter(min_length=1, max_length=512)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=50)] = 20,
    ) -> DisclosurePage:
        items, next_cursor = await credit.disclosures(q, category=category, cursor=cursor, limit=limit)
        return DisclosurePage(
            items=[
                DisclosureRead(credit_code=d.credit_code, name=d.name, record=_record(d.record))
                for d in items
            ],
            next_cursor=next_cursor,
        )

    @post(
        "/objections",
        status_code=HTTP_201_CREATED,
        summary="Object to a record of your credit report (信用异议)",
        description="Saved at once and forwarded to the credit platform exactly once, also when it is "
        "down (status `queued` until it has it). With an `Idempotency-Key` header a retried request "
        "answers the first response.",
        errors=(ObjectionExists, *IDEMPOTENCY_ERRORS),
        responses={HTTP_201_CREATED: ResponseSpec(ObjectionRead, description="Filed")},
    )
    async def file(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[ObjectionCreate],
        credit: NamedDependency[CreditService],
        idempotency: NamedDependency[Idempotency],
        principal: NamedDependency[Principal],
        idempotency_key: Annotated[str | None, HeaderParameter(name="idempotency-key")] = None,
    ) -> Response[bytes]:
        async def file() -> ObjectionRead:
            row = await credit.file(
                principal.id, record_id=data.record_id, reason=data.reason, contact_phone=data.contact_phone
            )
            return _objection(credit, row)

        return await idempotent_json(
            idempotency,
            request,
            scope=f"credit.objection:{principal.subject}",
            key=idempotency_key,
            status=HTTP_201_CREATED,
            call=file,
        )

    @get("/objections", summary="Your credit objections, newest first")
    async def objections(
        self, credit: NamedDependency[CreditService], principal: NamedDependency[Principal]
    ) -> ObjectionPage:
        return ObjectionPage(items=[_objection(credit, r) for r in await credit.objections(principal.id)])

    @get(
        "/objections/{objection_id:uuid}",
        summary="One of your credit objections and where it stands",
        owns={"objection_id": "credit.objection"},
        errors=(ObjectionNotFound,),
    )
    async def objection(
        self,
        objection_id: FromPath[uuid.UUID],
        credit: NamedDependency[CreditService],
        principal: NamedDependency[Principal],
    ) -> ObjectionRead:
        return _objection(credit, await credit.objection(principal.id, objection_id))
