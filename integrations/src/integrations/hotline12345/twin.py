"""Sandbox twin of the 12345 hotline platform.

API (signed): ``PUT /v1/attachments/{sha256}`` (base64 photo, checked against its digest),
``POST /v1/tickets`` (``Idempotency-Key`` required: the same key and body answer the same ticket;
another body under it is ``idempotency_key_reused``), ``POST /v1/tickets/query`` (status and replies
of up to 100 tickets), ``POST /v1/tickets/{no}/rating`` (once, after closure; ``Idempotency-Key``).
The platform's own screening refuses text containing ``辱骂`` (``content_refused``).
Control: ``GET /tickets``, ``POST /tickets/{no}/replies`` ``{"department", "text", "close"}`` (a
department answers; ``close`` ends the ticket), ``POST /tickets/{no}/assign`` ``{"department"}``,
plus the common ``/faults`` routes.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
from dataclasses import dataclass, field

import msgspec

from integrations._asgi import HttpError, Request, Response, json_response
from integrations._twin import IdempotencyStore, Twin, TwinContext, new_twin
from integrations.hotline12345.client import MAX_QUERY
from integrations.hotline12345.schemas import (
    CATEGORIES,
    Attachment,
    NewTicket,
    Rating,
    Reply,
    TicketPage,
    TicketQuery,
    TicketReceipt,
    TicketStatus,
)

__all__ = ["HotlineState", "create_twin"]

_PHOTO_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})
_MAX_PHOTO = 5 * 1024 * 1024
_CHINA = dt.timezone(dt.timedelta(hours=8))


class DepartmentReply(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    department: str
    text: str
    close: bool = False


class Assignment(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    department: str


@dataclass(slots=True)
class HotlineState:
    attachments: dict[str, bytes] = field(default_factory=dict)  # sha256 → bytes
    tickets: dict[str, NewTicket] = field(default_factory=dict)  # ticket no → as filed
    statuses: dict[str, TicketStatus] = field(default_factory=dict)
    filings: IdempotencyStore = field(default_factory=IdempotencyStore)
    ratings: IdempotencyStore = field(default_factory=IdempotencyStore)


def create_twin(context: TwinContext) -> Twin:
    state = HotlineState()
    twin, router = new_twin("hotline12345", context, state)

    def now() -> dt.datetime:
        return dt.datetime.fromtimestamp(context.clock.now(), dt.UTC)

    def status_of(ticket_no: str) -> TicketStatus:
        found = state.statuses.get(ticket_no)
        if found is None:
            raise HttpError(404, "ticket_not_found")
        return found

    @router.route("PUT", "/v1/attachments/{digest}")
    async def put_attachment(request: Request) -> Response:
        body = request.json(Attachment)
        if body.content_type not in _PHOTO_TYPES:
            raise HttpError(422, "attachment_type")
        try:
            data = base64.b64decode(body.data, validate=True)
        except binascii.Error:
            raise HttpError(400, "invalid_request") from None
        if len(data) > _MAX_PHOTO:
            raise HttpError(413, "attachment_too_large")
        if hashlib.sha256(data).hexdigest() != request.path_params["digest"]:
            raise HttpError(422, "digest_mismatch")
        state.attachments[request.path_params["digest"]] = data
        return Response(status=204)

    @router.route("POST", "/v1/tickets")
    async def file_ticket(request: Request) -> Response:
        if not request.headers.get("idempotency-key"):
            raise HttpError(400, "idempotency_key_required")
        replay = state.filings.replay(request)
        if replay is not None:
            return replay
        body = request.json(NewTicket)
        if body.category not in CATEGORIES:
            raise HttpError(422, "unknown_category")
        if any(digest not in state.attachments for digest in body.attachments):
            raise HttpError(422, "attachment_missing")
        if "辱骂" in body.title or "辱骂" in body.content:
            raise HttpError(422, "content_refused")
        received = now()
        day = received.astimezone(_CHINA).strftime("%Y%m%d")
        ticket_no = f"12345{day}{len(state.tickets) + 1:06d}"
        state.tickets[ticket_no] = body
        state.statuses[ticket_no] = TicketStatus(ticket_no=ticket_no, status="received", replies=[])
        receipt = TicketReceipt(
            ticket_no=ticket_no, reference=body.reference, status="received", received_at=received
        )
        return state.filings.remember(request, json_response(receipt, status=201))

    @router.route("POST", "/v1/tickets/query")
    async def query(request: Request) -> Response:
        body = request.json(TicketQuery)
        if len(body.ticket_nos) > MAX_QUERY:
            raise HttpError(400, "too_many_tickets")
        found = [state.statuses[n] for n in body.ticket_nos if n in state.statuses]
        return json_response(TicketPage(items=found))

    @router.route("POST", "/v1/tickets/{ticket_no}/rating")
    async def rate(request: Request) -> Response:
        if not request.headers.get("idempotency-key"):
            raise HttpError(400, "idempotency_key_required")
        replay = state.ratings.replay(request)
        if replay is not None:
            return replay
        current = status_of(request.path_params["ticket_no"])
        body = request.json(Rating)
        if not 1 <= body.score <= 5:
            raise HttpError(422, "invalid_rating")
        if current.status != "closed":
            raise HttpError(409, "ticket_not_closed")
        if current.rating is not None:
            raise HttpError(409, "already_rated")
        rated = msgspec.structs.replace(current, rating=body.score)
        state.statuses[current.ticket_no] = rated
        return state.ratings.remember(request, json_response(rated))

    @router.route("GET", "/tickets", control=True)
    async def tickets(_: Request) -> Response:
        return json_response([{"ticket": t, "status": state.statuses[n]} for n, t in state.tickets.items()])

    @router.route("POST", "/tickets/{ticket_no}/assign", control=True)
    async def assign(request: Request) -> Response:
        current = status_of(request.path_params["ticket_no"])
        request.json(Assignment)
        if current.status == "received":
            state.statuses[current.ticket_no] = msgspec.structs.replace(current, status="assigned")
        return json_response(state.statuses[current.ticket_no])

    @router.route("POST", "/tickets/{ticket_no}/replies", control=True)
    async def reply(request: Request) -> Response:
        current = status_of(request.path_params["ticket_no"])
        body = request.json(DepartmentReply)
        if current.status == "closed":
            raise HttpError(409, "ticket_closed")
        at = now()
        answer = Reply(seq=len(current.replies) + 1, department=body.department, text=body.text, at=at)
        state.statuses[current.ticket_no] = msgspec.structs.replace(
            current,
            status="closed" if body.close else "replied",
            replies=[*current.replies, answer],
            closed_at=at if body.close else None,
        )
        return json_response(state.statuses[current.ticket_no], status=201)

    return twin
