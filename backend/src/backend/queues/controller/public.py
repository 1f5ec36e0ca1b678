from __future__ import annotations

import hashlib
import uuid
from datetime import date
from typing import Any

import msgspec
from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, FromQuery

from backend.access import ANYONE
from backend.queues.errors import HallNotFound, ServiceNotFound
from backend.queues.live import Publisher
from backend.queues.schemas import Board, HallList, HallView, SlotList
from backend.queues.service import HallService


def etagged(request: Request[Any, Any, Any], body: msgspec.Struct) -> Response[bytes]:
    """The JSON answer with a strong ``ETag``; ``If-None-Match`` with it answers 304 and no body (the
    polling fallback of mini programs that have no EventSource)."""
    encoded = msgspec.json.encode(body)
    tag = '"' + hashlib.blake2b(encoded, digest_size=12).hexdigest() + '"'
    headers = {"etag": tag, "cache-control": "no-cache"}
    if request.headers.get("if-none-match") == tag:
        return Response(b"", status_code=304, headers=headers)
    return Response(encoded, media_type="application/json", headers=headers)


class QueuePublicController(Controller):
    path = "/api/v1/queue"
    tags = ("queue",)

    @get("/halls", summary="The halls", access=ANYONE)
    async def halls(self, halls: NamedDependency[HallService]) -> HallList:
        return HallList(items=await halls.halls())

    @get(
        "/halls/{hall_id:uuid}",
        summary="A hall, its services and counters",
        access=ANYONE,
        errors=(HallNotFound,),
    )
    async def hall(self, hall_id: FromPath[uuid.UUID], halls: NamedDependency[HallService]) -> HallView:
        return HallView(
            hall=await halls.hall(hall_id),
            services=await halls.services(hall_id),
            counters=await halls.counters(hall_id),
        )

    @get(
        "/services/{service_id:uuid}/slots",
        summary="A service's slots on a day (`booked` of `capacity`)",
        access=ANYONE,
        errors=(ServiceNotFound,),
    )
    async def slots(
        self, service_id: FromPath[uuid.UUID], day: FromQuery[date], halls: NamedDependency[HallService]
    ) -> SlotList:
        return SlotList(items=await halls.slots(service_id, day.isoformat()))

    @get(
        "/halls/{hall_id:uuid}/board",
        summary="The hall's latest events, for clients that can't hold a stream (poll with ETag)",
        description="The same events the stream sends (`/events`), newest last; `If-None-Match` with "
        "the last `ETag` answers 304 while nothing changed. Each ticket derives its position from its "
        "service's `line` (see the README), or reads it exact at `/api/v1/queue/tickets/{id}`.",
        access=ANYONE,
        errors=(HallNotFound,),
        responses={
            200: ResponseSpec(Board, description="The latest events"),
            304: ResponseSpec(None, description="Unchanged"),
        },
    )
    async def board(
        self,
        request: Request[Any, Any, Any],
        hall_id: FromPath[uuid.UUID],
        halls: NamedDependency[HallService],
        publisher: NamedDependency[Publisher],
    ) -> Response[bytes]:
        await halls.exists(hall_id)
        events = await publisher.recent(hall_id, limit=20)
        return etagged(request, Board(hall_id=hall_id, seq=events[-1].seq if events else 0, events=events))
