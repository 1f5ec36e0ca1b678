"""Reviewers' departments over HTTP: operators bind a reviewer account to the departments whose
applications it reviews, list the bindings and unbind (``Reviewers``; audited there)."""

from __future__ import annotations

import uuid

from litestar import Controller, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_201_CREATED

from backend.application.errors import (
    BindingNotFound,
    DepartmentUnknown,
    NotAReviewer,
    ReviewerBound,
    ReviewerNotFound,
)
from backend.application.repository import ReviewerRow
from backend.application.reviewers import Reviewers
from backend.application.schemas import ReviewerBind, ReviewerBinding, ReviewerBindingList
from backend.auth.guards import staff
from backend.auth.principal import Principal

Bindings = NamedDependency[Reviewers]
Caller = NamedDependency[Principal]


def _binding(row: ReviewerRow) -> ReviewerBinding:
    return ReviewerBinding(
        id=row.id, staff_id=row.staff_id, department=row.department, created_at=row.created_at
    )


class ReviewerController(Controller):
    path = "/api/v1/admin/reviewers"
    tags = ("admin",)
    opt = {"access": staff("operator")}  # noqa: RUF012 (Litestar's declaration style)

    @get("/", summary="Reviewers' departments: every binding, or one reviewer's")
    async def bindings(
        self, reviewers: Bindings, staff_id: FromQuery[uuid.UUID | None] = None
    ) -> ReviewerBindingList:
        return ReviewerBindingList(items=[_binding(r) for r in await reviewers.bindings(staff_id)])

    @post(
        "/",
        status_code=HTTP_201_CREATED,
        summary="Bind a reviewer account to a department whose applications it then reviews",
        description="The department is one a catalogue item names; a reviewer may be bound to several.",
        errors=(ReviewerNotFound, NotAReviewer, DepartmentUnknown, ReviewerBound),
    )
    async def bind(
        self, data: JSONBody[ReviewerBind], reviewers: Bindings, principal: Caller
    ) -> ReviewerBinding:
        return _binding(await reviewers.bind(data.staff_id, data.department, by=principal))

    @delete(
        "/{binding_id:uuid}",
        summary="Unbind a reviewer from a department: its applications leave the reviewer's queue at once",
        errors=(BindingNotFound,),
    )
    async def unbind(self, binding_id: FromPath[uuid.UUID], reviewers: Bindings, principal: Caller) -> None:
        await reviewers.unbind(binding_id, by=principal)
