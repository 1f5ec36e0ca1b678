from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import ClientException
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import OpenAPIFormat, OpenAPIMediaType, OpenAPIType, Operation, RequestBody, Schema
from litestar.params import FromPath, HeaderParameter, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from backend.access import ANYONE
from backend.auth.guards import CITIZEN
from backend.auth.principal import Principal
from backend.hotline.errors import (
    AlreadyRated,
    CategoryUnknown,
    ContentRejected,
    HotlineUnavailable,
    PhotoNotFound,
    PhotoStoreUnavailable,
    PhotoTooLarge,
    PhotoTypeUnsupported,
    TicketNotClosed,
    TicketNotFound,
)
from backend.hotline.repository import TicketRow
from backend.hotline.schemas import (
    HotlineCategoryList,
    HotlineCategoryRead,
    HotlineTicketPage,
    HotlineTicketRead,
    LocationBody,
    PhotoRead,
    RatingCreate,
    ReplyRead,
    TicketCreate,
    TicketSummary,
)
from backend.hotline.service import HotlineService, Location, TicketView
from backend.hotline.sync import HotlineSync
from backend.idempotency import IDEMPOTENCY_ERRORS, Idempotency, idempotent_json
from backend.pagination import CursorInvalid, decode_cursor, encode_cursor
from backend.problem_codes import REQUEST_MALFORMED
from integrations.hotline12345 import CATEGORIES

OWNS = {"ticket_id": "hotline.ticket"}


@dataclass
class _PhotoOperation(Operation):
    """The upload's body is the photo itself (Litestar documents only parsed bodies)."""

    def __post_init__(self) -> None:
        binary = OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY))
        self.request_body = RequestBody(
            required=True,
            description="The photo's bytes (JPEG or PNG, at most 5 MiB); its type is read from the bytes.",
            content={t: binary for t in ("image/jpeg", "image/png", "application/octet-stream")},
        )


def _summary(row: TicketRow) -> TicketSummary:
    return TicketSummary(
        id=row.id, tracking_no=row.tracking_no, kind=row.kind,  # type: ignore[arg-type]
        category=row.category, status=row.status, created_at=row.created_at,
    )  # fmt: skip


def _ticket(view: TicketView) -> HotlineTicketRead:
    row, where = view.row, view.location
    location = (
        LocationBody(
            address=where.address, district=where.district, latitude=where.latitude, longitude=where.longitude
        )
        if where
        else None
    )
    return HotlineTicketRead(
        id=row.id,
        tracking_no=row.tracking_no,
        ticket_no=row.ticket_no or None,
        kind=row.kind,  # type: ignore[arg-type]
        category=row.category,
        title=view.title,
        content=view.content,
        location=location,
        status=row.status,
        refusal=row.refusal or None,
        replies=[ReplyRead(seq=r.seq, department=r.department, text=r.text, at=r.at) for r in view.replies],
        photos=[
            PhotoRead(id=p.id, sha256=p.sha256, media_type=p.media_type, size=p.size) for p in view.photos
        ],
        rating=row.rating,
        rating_comment=row.rating_comment,
        created_at=row.created_at,
        closed_at=row.closed_at,
    )


class HotlineController(Controller):
    """The 12345 hotline (12345政务服务便民热线)."""

    path = "/api/v1/hotline"
    tags = ("hotline",)
    opt = {"access": CITIZEN}  # noqa: RUF012 (Litestar's declaration style)

    @get("/categories", summary="The 12345 categories a ticket may take", access=ANYONE, sync_to_thread=False)
    def categories(self) -> HotlineCategoryList:
        return HotlineCategoryList(items=[HotlineCategoryRead(code=c, name=n) for c, n in CATEGORIES.items()])

    @post(
        "/photos",
        status_code=HTTP_201_CREATED,
        summary="Upload a photo for a ticket you are about to file (JPEG or PNG, ≤ 5 MiB)",
        description="The body is the photo itself. Its type is sniffed from the bytes (415 "
        "`hotline.photo_type_unsupported` with `reason` for anything else or a polyglot); 413 "
        "`hotline.photo_too_large` the moment it passes 5 MiB; an empty body is 400 `request.malformed`. "
        "Name it in `photo_ids` when filing.",
        errors=(REQUEST_MALFORMED, PhotoTooLarge, PhotoTypeUnsupported, PhotoStoreUnavailable),
        request_max_body_size=None,  # counted below while it streams
        operation_class=_PhotoOperation,
    )
    async def photo(
        self,
        request: Request[Any, Any, Any],
        hotline: NamedDependency[HotlineService],
        principal: NamedDependency[Principal],
    ) -> PhotoRead:
        limit = hotline.max_photo_bytes
        if (request.content_length or 0) > limit:
            raise PhotoTooLarge()
        content = bytearray()
        async for chunk in request.stream():
            content += chunk
            if len(content) > limit:
                raise PhotoTooLarge()
        if not content:
            raise ClientException("The body is empty: send the photo's bytes")  # 400 request.malformed
        row = await hotline.add_photo(principal.id, bytes(content))
        return PhotoRead(id=row.id, sha256=row.sha256, media_type=row.media_type, size=row.size)

    @post(
        "/tickets",
        status_code=HTTP_201_CREATED,
        summary="File a complaint, report, suggestion or consultation with 12345",
        description="The text is checked first (422 `hotline.content_rejected`, `extra.reason` and "
        "`extra.field` say what and where). The ticket is saved with a tracking number at once and "
        "forwarded to 12345 exactly once, also when 12345 is down (status `queued` until it has it). "
        "Tourism complaints take the `tourism` category. With an `Idempotency-Key` header a retried "
        "request answers the first response.",
        errors=(ContentRejected, CategoryUnknown, PhotoNotFound, *IDEMPOTENCY_ERRORS),
        responses={HTTP_201_CREATED: ResponseSpec(HotlineTicketRead, description="Filed")},
    )
    async def file(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[TicketCreate],
        hotline: NamedDependency[HotlineService],
        idempotency: NamedDependency[Idempotency],
        principal: NamedDependency[Principal],
        idempotency_key: Annotated[str | None, HeaderParameter(name="idempotency-key")] = None,
    ) -> Response[bytes]:
        async def file() -> HotlineTicketRead:
            where = data.location
            row = await hotline.file(
                principal.id, kind=data.kind, category=data.category, title=data.title, content=data.content,
                location=Location(address=where.address, district=where.district, latitude=where.latitude,
                                  longitude=where.longitude) if where else None,
                photo_ids=data.photo_ids, contact_phone=data.contact_phone,
            )  # fmt: skip
            return _ticket(await hotline.view(row))

        return await idempotent_json(
            idempotency,
            request,
            scope=f"hotline.file:{principal.subject}",
            key=idempotency_key,
            status=HTTP_201_CREATED,
            call=file,
        )

    @get("/tickets", summary="Your 12345 tickets, newest first", errors=(CursorInvalid,))
    async def tickets(
        self,
        hotline: NamedDependency[HotlineService],
        principal: NamedDependency[Principal],
        cursor: Annotated[str | None, QueryParameter(min_length=1, max_length=512)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=50)] = 20,
    ) -> HotlineTicketPage:
        before = decode_cursor(cursor, tuple[datetime, uuid.UUID]) if cursor else None
        rows = await hotline.tickets(principal.id, before=before, limit=limit + 1)
        more, rows = len(rows) > limit, rows[:limit]
        last = rows[-1] if rows else None
        return HotlineTicketPage(
            items=[_summary(r) for r in rows],
            next_cursor=encode_cursor(last.created_at, last.id) if more and last else None,
        )

    @get(
        "/tickets/{ticket_id:uuid}",
        summary="One of your tickets with its replies",
        owns=OWNS,
        errors=(TicketNotFound,),
    )
    async def ticket(
        self,
        ticket_id: FromPath[uuid.UUID],
        hotline: NamedDependency[HotlineService],
        principal: NamedDependency[Principal],
    ) -> HotlineTicketRead:
        return _ticket(await hotline.ticket(principal.id, ticket_id))

    @post(
        "/tickets/{ticket_id:uuid}/refresh",
        status_code=HTTP_200_OK,
        summary="Your ticket with what 12345 says of it now",
        description="Replies are pulled from 12345 every 30 s anyway; this asks at once (503 "
        "`hotline.unavailable` when 12345 is down: the ticket itself stays readable by GET).",
        owns=OWNS,
        errors=(TicketNotFound, HotlineUnavailable),
    )
    async def refresh(
        self,
        ticket_id: FromPath[uuid.UUID],
        hotline_sync: NamedDependency[HotlineSync],
        principal: NamedDependency[Principal],
    ) -> HotlineTicketRead:
        return _ticket(await hotline_sync.refresh(principal.id, ticket_id))

    @post(
        "/tickets/{ticket_id:uuid}/rating",
        status_code=HTTP_201_CREATED,
        summary="Rate a closed ticket (满意度评价), once",
        description="Saved at once and forwarded to 12345 exactly once.",
        owns=OWNS,
        errors=(TicketNotFound, TicketNotClosed, AlreadyRated, ContentRejected),
    )
    async def rate(
        self,
        ticket_id: FromPath[uuid.UUID],
        data: JSONBody[RatingCreate],
        hotline: NamedDependency[HotlineService],
        principal: NamedDependency[Principal],
    ) -> HotlineTicketRead:
        return _ticket(await hotline.rate(principal.id, ticket_id, score=data.score, comment=data.comment))
