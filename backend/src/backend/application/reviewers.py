"""``Reviewers``: which departments' applications a reviewer may review (窗口受理/审核).

An operator binds a staff account of the role ``reviewer`` to a department of the catalogue (as the
warning feature binds a publisher to its organisation); the review (``ApplicationReview``) then shows
and moves only applications made against an item version of one of the reviewer's departments. A
reviewer bound to none reviews nothing. Binding and unbinding are audited on the chain ``staff``.
"""

from __future__ import annotations

import uuid
from typing import Any

from piccolo.engine.base import Engine

from backend.application.errors import (
    BindingNotFound,
    DepartmentUnknown,
    NotAReviewer,
    ReviewerBound,
    ReviewerNotFound,
)
from backend.application.repository import ReviewerRepository, ReviewerRow
from backend.audit.service import AuditLog
from backend.auth.principal import Principal
from backend.catalogue.service import CatalogueService
from backend.clock import Clock
from backend.database import transaction
from backend.staff.errors import StaffNotFound
from backend.staff.service import StaffService

REVIEWER_ROLE = "reviewer"


class Reviewers:
    def __init__(
        self,
        *,
        repository: ReviewerRepository,
        staff: StaffService,
        catalogue: CatalogueService,
        audit: AuditLog,
        clock: Clock,
        engine: Engine[Any],
    ) -> None:
        self._repository = repository
        self._staff = staff
        self._catalogue = catalogue
        self._audit = audit
        self._clock = clock
        self._engine = engine

    async def bind(self, staff_id: uuid.UUID, department: str, *, by: Principal) -> ReviewerRow:
        """An operator binds a reviewer account to a department the catalogue names."""
        try:
            member = await self._staff.get(staff_id)
        except StaffNotFound:
            raise ReviewerNotFound() from None
        if member.role != REVIEWER_ROLE:
            raise NotAReviewer()
        if department not in await self._catalogue.departments():
            raise DepartmentUnknown()
        async with transaction(self._engine):
            row = await self._repository.bind(staff_id, department, now=self._clock.now())
            if row is None:
                raise ReviewerBound()
            await self._audit.append(
                actor=by.subject,
                action="application.reviewer_bound",
                subject=f"staff:{staff_id}",
                data={"department": department, "binding": str(row.id)},
                chain="staff",
            )
        return row

    async def unbind(self, binding_id: uuid.UUID, *, by: Principal) -> None:
        async with transaction(self._engine):
            row = await self._repository.unbind(binding_id)
            if row is None:
                raise BindingNotFound()
            await self._audit.append(
                actor=by.subject,
                action="application.reviewer_unbound",
                subject=f"staff:{row.staff_id}",
                data={"department": row.department, "binding": str(row.id)},
                chain="staff",
            )

    async def bindings(self, staff_id: uuid.UUID | None = None) -> list[ReviewerRow]:
        return await self._repository.bindings(staff_id)

    async def items_of(self, principal: Principal) -> dict[str, list[int]]:
        """The item versions (code: versions) whose applications ``principal`` may review."""
        if principal.kind != "staff" or REVIEWER_ROLE not in principal.roles:
            return {}
        departments = await self._repository.departments_of(principal.id)
        return await self._catalogue.versions_of(departments)
