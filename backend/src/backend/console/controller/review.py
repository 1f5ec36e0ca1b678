"""The application review screen (reviewers, 窗口受理/审核, of their departments): the queue of a
status, one application with its form and history, and the moves open to a reviewer — through
``ApplicationReview``, as ``/api/v1/admin/applications`` does (the same event, audit entry and notice
to the citizen)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, get_args

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, PathParameter
from litestar.response import Redirect

from backend.application.errors import ApplicationNotFound, TransitionInvalid
from backend.application.lifecycle import NEEDS_REASON, STAFF_MOVES, StaffMove, staff_moves
from backend.application.review import ApplicationReview, masked, sources
from backend.application.schemas import ReviewNote, ReviewReason, ReviewStatus
from backend.auth.principal import Principal
from backend.console.controller.forms import Done, session_form
from backend.console.errors import CsrfInvalid, FormInvalid
from backend.console.pages import REVIEWER, render
from backend.console.session import ConsoleSessions
from backend.fields import explain
from backend.pagination import CursorInvalid

AnyRequest = Request[Any, Any, Any]
Review = NamedDependency[ApplicationReview]
Caller = NamedDependency[Principal]
Console = NamedDependency[ConsoleSessions]
STATUSES: tuple[str, ...] = get_args(ReviewStatus)
# A move as the page's URL spells it: ``request-correction``.
MoveName = Annotated[str, PathParameter(pattern=r"^[a-z-]{1,32}$")]
LABELS: dict[str, str] = {
    "accept": "Accept (受理)",
    "review": "Start review",
    "request_correction": "Request correction (补正)",
    "approve": "Approve",
    "refuse": "Refuse",
    "complete": "Complete (办结)",
}


def flat(data: Any, prefix: str = "") -> list[tuple[str, str]]:
    """The form's fields as rows of ``(JSON Pointer, value)``, in the form's order."""
    if isinstance(data, dict):
        return [row for key, value in data.items() for row in flat(value, f"{prefix}/{key}")]
    if isinstance(data, list):
        return [row for i, value in enumerate(data) for row in flat(value, f"{prefix}/{i}")]
    return [(prefix, data if isinstance(data, str) else msgspec.json.encode(data).decode())]


def _move(name: str) -> StaffMove:
    move = name.replace("-", "_")
    if move not in STAFF_MOVES:
        raise FormInvalid(detail=f"No move {name!r}")
    return move


class ConsoleReviewController(Controller):
    path = "/console/review"
    include_in_schema = False
    opt = {"access": REVIEWER}  # noqa: RUF012 (Litestar's declaration style)

    @get("/", errors=(CursorInvalid, FormInvalid))
    async def queue(
        self, review: Review, principal: Caller, console: Console,
        status: FromQuery[str] = "submitted", cursor: FromQuery[str | None] = None,
    ) -> Response[str]:  # fmt: skip
        if status not in STATUSES:
            raise FormInvalid(detail=f"status is one of {', '.join(STATUSES)}")
        rows, next_cursor = await review.queue(status, by=principal, cursor=cursor, limit=50)  # type: ignore[arg-type]
        return render(
            "review.html", principal=principal, csrf=console.for_session(principal), shown=status,
            statuses=STATUSES, rows=rows, next_cursor=next_cursor,
        )  # fmt: skip

    @get("/{application_id:uuid}", errors=(ApplicationNotFound,))
    async def application(
        self, application_id: FromPath[uuid.UUID], review: Review, principal: Caller, console: Console,
        done: Done = None,
    ) -> Response[str]:  # fmt: skip
        view = await review.get(application_id, by=principal)
        events = await review.events(application_id, by=principal)
        return render(
            "review_one.html", principal=principal, csrf=console.for_session(principal), row=view.row,
            fields=flat(masked(view.data)), sources=sources(view.provenance), events=events,
            moves=staff_moves(view.row.status), needs_reason=NEEDS_REASON, labels=LABELS, done=done,
        )  # fmt: skip

    @post(
        "/{application_id:uuid}/{move:str}",
        errors=(ApplicationNotFound, TransitionInvalid, CsrfInvalid, FormInvalid),
    )
    async def make_move(
        self, request: AnyRequest, application_id: FromPath[uuid.UUID], move: MoveName, review: Review,
        principal: Caller, console: Console,
    ) -> Redirect:  # fmt: skip
        fields = await session_form(request, principal, console)
        chosen = _move(move)
        try:
            # The API's own bodies: a refusal's or a correction's reason is required, any is plain text.
            given = {"reason": fields.get("reason", "").strip()}
            body: ReviewReason | ReviewNote = (
                msgspec.convert(given, ReviewReason)
                if chosen in NEEDS_REASON
                else msgspec.convert(given, ReviewNote)
            )
        except msgspec.ValidationError as error:
            raise FormInvalid(detail=explain(str(error))) from None
        view = await review.move(application_id, chosen, by=principal, reason=body.reason)
        return Redirect(f"/console/review/{application_id}?done=moved:{view.row.status}", status_code=303)
