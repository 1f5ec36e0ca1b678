"""``ApplicationReview``: staff review at a counter (窗口受理/审核) — the queue of applications in a
status, one application with its data and history, and a reviewer's moves (accept, review, request
correction, approve, refuse, complete).

A reviewer's move takes the citizen's path (``ApplicationService.transition``: compare-and-set, an
append-only event with source ``staff`` and the member as actor, the audit entry on chain
``application``), and tells the citizen as a department's move does (the same notices, the item's
decision hook first) in the same transaction. An application never submitted (a draft, or a draft
the citizen withdrew) is the citizen's alone: not in any queue, and a 404 here.

A reviewer sees and moves only the applications of the departments an operator bound it to
(``Reviewers``: made against an item version of one of them); any other is a 404, as an unknown one.
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime
from typing import Any

from backend.application.errors import ApplicationNotFound, TransitionInvalid
from backend.application.hooks import Decided, DecisionHooks
from backend.application.lifecycle import StaffMove, Status, staff_move, staff_target
from backend.application.notices import tell
from backend.application.repository import ApplicationRepository, ApplicationRow, EventRow
from backend.application.reviewers import REVIEWER_ROLE, Reviewers
from backend.application.service import ApplicationService, ApplicationView
from backend.audit.service import AuditLog
from backend.auth.principal import Principal
from backend.clock import Clock
from backend.notification.service import NotificationService
from backend.observability.masking import scrub
from backend.pagination import decode_cursor, encode_cursor

# Who reviews: reviewers (窗口受理/审核), each of the departments an operator bound it to. Not counter
# clerks (they run the queue at the hall), nor operators: they administer the platform (accounts,
# keys, the outbox) and decide no citizen's case — one role, one duty (backend/README.md).
REVIEWER_ROLES = (REVIEWER_ROLE,)


def masked(value: Any) -> Any:
    """The form data as a reviewer is shown it: every ID and mobile number inside masked (the log
    scrubber's patterns: also written in groups, and the old 15-digit ID numbers), in text and in
    numbers alike — a phone typed into a number field is the integer 13812345678, shown masked."""
    if isinstance(value, dict):
        return {key: masked(item) for key, item in value.items()}
    if isinstance(value, list):
        return [masked(item) for item in value]
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, int) and not isinstance(value, bool):
        text = str(value)
        hidden = scrub(text)
        return value if hidden == text else hidden
    return value


def masked_events(events: list[EventRow]) -> list[EventRow]:
    """The history as a reviewer is shown it: the reasons masked as the form is (a citizen's
    withdrawal reason, a reviewer's note may hold a number)."""
    return [dataclasses.replace(e, reason=scrub(e.reason)) for e in events]


def sources(provenance: dict[str, Any]) -> dict[str, str]:
    """Where each prefilled field came from (``licence``, ``household_register``, ``citizen``…),
    without the values and presentations the provenance also holds."""
    return {
        path: str(entry.get("source", "")) for path, entry in provenance.items() if isinstance(entry, dict)
    }


class ApplicationReview:
    def __init__(
        self,
        *,
        applications: ApplicationService,
        repository: ApplicationRepository,
        reviewers: Reviewers,
        notifications: NotificationService,
        hooks: DecisionHooks,
        audit: AuditLog,
        clock: Clock,
    ) -> None:
        self._applications = applications
        self._repository = repository
        self._reviewers = reviewers
        self._notifications = notifications
        self._hooks = hooks
        self._audit = audit
        self._clock = clock

    async def queue(
        self, status: Status, *, by: Principal, cursor: str | None, limit: int
    ) -> tuple[list[ApplicationRow], str | None]:
        """Applications in ``status`` of ``by``'s departments, the longest waiting first, and the next
        page's cursor."""
        if status == "draft":
            return [], None
        after = decode_cursor(cursor, tuple[datetime, uuid.UUID]) if cursor else None
        items = await self._reviewers.items_of(by)
        rows = await self._repository.in_status(status, items=items, after=after, limit=limit + 1)
        if len(rows) <= limit:
            return rows, None
        last = rows[limit - 1]
        return rows[:limit], encode_cursor(last.updated_at, last.id)

    async def get(self, application_id: uuid.UUID, *, by: Principal) -> ApplicationView:
        """One application ``by`` may review, read: audited (``application.viewed``, chain
        ``application``) — a staff member opening a citizen's form is a disclosure of personal data."""
        view = await self._visible(application_id, by=by)
        await self._audit.append(
            actor=by.subject,
            action="application.viewed",
            subject=f"application:{application_id}",
            data={"item": view.row.item_code, "status": view.row.status},
            chain="application",
        )
        return view

    async def _visible(self, application_id: uuid.UUID, *, by: Principal) -> ApplicationView:
        """One application ``by`` may review; ``ApplicationNotFound`` for a draft, an unknown one and
        one of a department ``by`` isn't bound to alike (the answer tells nothing of the others)."""
        row = await self._repository.find(application_id)
        # Never submitted (a draft, or one the citizen withdrew as a draft): the citizen's alone.
        if row is None or row.submitted_at is None:
            raise ApplicationNotFound()
        items = await self._reviewers.items_of(by)
        if row.item_version not in items.get(row.item_code, ()):
            raise ApplicationNotFound()
        return await self._applications.view(row)

    async def events(self, application_id: uuid.UUID, *, by: Principal) -> list[EventRow]:
        """The application's history, its reasons masked (``masked_events``)."""
        await self._visible(application_id, by=by)
        return masked_events(await self._repository.events(application_id))

    async def move(
        self, application_id: uuid.UUID, move: StaffMove, *, by: Principal, reason: str = ""
    ) -> ApplicationView:
        """The reviewer's ``move``; 409 ``application.transition_invalid`` when it is none from the
        application's status (also when another reviewer, the department or the citizen moved it
        first)."""
        view = await self._visible(application_id, by=by)
        row = view.row
        target = staff_move(row.status, move)
        if target is None:
            raise TransitionInvalid(row.status, staff_target(row.status, move))
        # One notice per move: a status is reached again only after a resubmission (``corrections``).
        key = f"application:{row.id}:staff:{row.status}>{target}:{row.corrections}"
        told = False

        async def notify() -> None:
            nonlocal told
            decided = Decided(
                application_id=row.id, citizen_id=row.citizen_id, item_code=row.item_code, status=target,
                entry=f"staff:{row.status}>{target}:{row.corrections}", note=reason, actor=by.subject,
            )  # fmt: skip
            told = await self._hooks.decided(decided) or await tell(
                self._notifications, row, target, key=key, note=reason, at=self._clock.now()
            )

        await self._applications.transition(
            row, row.status, target, actor=by.subject, source="staff", action=f"staff.{move}",
            reason=reason, also=notify,
        )  # fmt: skip
        if told:
            self._notifications.wake()
        return await self._visible(application_id, by=by)
