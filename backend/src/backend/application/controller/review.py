"""Staff review over HTTP (窗口受理/审核): reviewers list the applications of their departments by
status, read one with its data and history, and make the lifecycle's moves (``ApplicationReview``);
operators bind reviewers to departments (``Reviewers``)."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from backend.application.errors import ApplicationNotFound, TransitionInvalid
from backend.application.lifecycle import StaffMove, staff_moves
from backend.application.repository import EventRow
from backend.application.review import REVIEWER_ROLES, ApplicationReview, masked, sources
from backend.application.schemas import (
    EventRead,
    ReviewNote,
    ReviewQueue,
    ReviewRead,
    ReviewReason,
    ReviewStatus,
    ReviewSummary,
)
from backend.application.service import ApplicationView
from backend.auth.guards import staff
from backend.auth.principal import Principal
from backend.pagination import CursorInvalid

PageSize = Annotated[int, QueryParameter(ge=1, le=100)]
Review = NamedDependency[ApplicationReview]
Caller = NamedDependency[Principal]
_MOVE = (ApplicationNotFound, TransitionInvalid)


def event_read(e: EventRow) -> EventRead:
    return EventRead(
        seq=e.seq, action=e.action, from_status=e.from_status, to_status=e.to_status, actor=e.actor,
        source=e.source, reason=e.reason, occurred_at=e.occurred_at,
    )  # fmt: skip


def review_read(view: ApplicationView, events: list[EventRow]) -> ReviewRead:
    row = view.row
    return ReviewRead(
        id=row.id, citizen_id=row.citizen_id, item_code=row.item_code, item_name=row.item_name,
        item_version=row.item_version, status=row.status, case_id=row.case_id, data=masked(view.data),
        sources=sources(view.provenance), moves=staff_moves(row.status),
        events=[event_read(e) for e in events],
        submitted_at=row.submitted_at, updated_at=row.updated_at,
    )  # fmt: skip


class ApplicationReviewController(Controller):
    path = "/api/v1/admin/applications"
    tags = ("admin",)
    opt = {"access": staff(*REVIEWER_ROLES)}  # noqa: RUF012 (Litestar's declaration style)

    @get(
        "/",
        summary="Applications in a status, the longest waiting first (a reviewer's queue)",
        errors=(CursorInvalid,),
    )
    async def queue(
        self,
        review: Review,
        principal: Caller,
        status: FromQuery[ReviewStatus] = "submitted",
        cursor: FromQuery[str | None] = None,
        limit: PageSize = 50,
    ) -> ReviewQueue:
        rows, next_cursor = await review.queue(status, by=principal, cursor=cursor, limit=limit)
        items = [
            ReviewSummary(
                id=r.id,
                item_code=r.item_code,
                item_name=r.item_name,
                status=r.status,
                case_id=r.case_id,
                submitted_at=r.submitted_at,
                updated_at=r.updated_at,
            )
            for r in rows
        ]
        return ReviewQueue(items=items, next_cursor=next_cursor)

    @get(
        "/{application_id:uuid}",
        summary="One application: its form (ID and phone numbers masked), history and open moves",
        description="A draft is the citizen's alone, and an application of a department you are not "
        "bound to isn't yours to review: both 404 `application.not_found`.",
        errors=(ApplicationNotFound,),
    )
    async def read(
        self, application_id: FromPath[uuid.UUID], review: Review, principal: Caller
    ) -> ReviewRead:
        return review_read(
            await review.get(application_id, by=principal), await review.events(application_id, by=principal)
        )

    async def _move(
        self,
        review: ApplicationReview,
        application_id: uuid.UUID,
        move: StaffMove,
        by: Principal,
        reason: str,
    ) -> ReviewRead:
        view = await review.move(application_id, move, by=by, reason=reason)
        return review_read(view, await review.events(application_id, by=by))

    @post(
        "/{application_id:uuid}/accept",
        status_code=200,
        summary="Accept (受理) a submitted application",
        errors=_MOVE,
    )
    async def accept(
        self,
        application_id: FromPath[uuid.UUID],
        data: JSONBody[ReviewNote],
        review: Review,
        principal: Caller,
    ) -> ReviewRead:
        return await self._move(review, application_id, "accept", principal, data.reason)

    @post(
        "/{application_id:uuid}/review",
        status_code=200,
        summary="Start the review of an accepted (or resubmitted) application",
        errors=_MOVE,
    )
    async def review(
        self,
        application_id: FromPath[uuid.UUID],
        data: JSONBody[ReviewNote],
        review: Review,
        principal: Caller,
    ) -> ReviewRead:
        return await self._move(review, application_id, "review", principal, data.reason)

    @post(
        "/{application_id:uuid}/request-correction",
        status_code=200,
        summary="Return an application in review for correction (补正); the citizen is told the reason",
        errors=_MOVE,
    )
    async def request_correction(
        self, application_id: FromPath[uuid.UUID], data: JSONBody[ReviewReason], review: Review,
        principal: Caller,
    ) -> ReviewRead:  # fmt: skip
        return await self._move(review, application_id, "request_correction", principal, data.reason)

    @post(
        "/{application_id:uuid}/approve",
        status_code=200,
        summary="Approve an application in review",
        errors=_MOVE,
    )
    async def approve(
        self,
        application_id: FromPath[uuid.UUID],
        data: JSONBody[ReviewNote],
        review: Review,
        principal: Caller,
    ) -> ReviewRead:
        return await self._move(review, application_id, "approve", principal, data.reason)

    @post(
        "/{application_id:uuid}/refuse",
        status_code=200,
        summary="Refuse: at intake (不予受理) when submitted, else after review; the citizen is told why",
        errors=_MOVE,
    )
    async def refuse(
        self, application_id: FromPath[uuid.UUID], data: JSONBody[ReviewReason], review: Review,
        principal: Caller,
    ) -> ReviewRead:  # fmt: skip
        return await self._move(review, application_id, "refuse", principal, data.reason)

    @post(
        "/{application_id:uuid}/complete",
        status_code=200,
        summary="Complete (办结) an approved application",
        errors=_MOVE,
    )
    async def complete(
        self,
        application_id: FromPath[uuid.UUID],
        data: JSONBody[ReviewNote],
        review: Review,
        principal: Caller,
    ) -> ReviewRead:
        return await self._move(review, application_id, "complete", principal, data.reason)
