from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, HeaderParameter

from backend.access import ANYONE
from backend.queues.board import page
from backend.queues.errors import HallNotFound
from backend.queues.fanout import Fanout, WatchResponse
from backend.queues.service import HallService

LastEventId = Annotated[int | None, HeaderParameter(name="last-event-id", ge=0, le=2**62)]


class QueueLiveController(Controller):
    tags = ("queue",)

    @get(
        "/api/v1/queue/halls/{hall_id:uuid}/events",
        summary="The hall's live events (Server-Sent Events): numbers called, and each service's line",
        description="One event per change (`id` = the hall's event number; `data` = the event as JSON). "
        "Without `Last-Event-ID` the stream starts with the latest few events; with it, with every event "
        "after that one (a reconnecting EventSource sends it). A comment every 15 s keeps it alive. A "
        "ticket of band b with rank r has, ahead of it, every waiting ticket of the bands before b and "
        "`r - head - (holes below r)` of its own (`line.bands`).",
        access=ANYONE,
        errors=(HallNotFound,),
        responses={200: ResponseSpec(str, description="text/event-stream", media_type="text/event-stream")},
    )
    async def events(
        self,
        hall_id: FromPath[uuid.UUID],
        halls: NamedDependency[HallService],
        fanout: NamedDependency[Fanout],
        last_event_id: LastEventId = None,
    ) -> WatchResponse:
        await halls.exists(hall_id)
        # A plain ASGI response: the fan-out writes each frame to the connection itself (fanout.py).
        return WatchResponse(fanout, hall_id, last_event_id)

    @get(
        "/queue/board/{hall_id:uuid}",
        summary="The hall's display board: numbers called and their counters, live, with speech",
        access=ANYONE,
        errors=(HallNotFound,),
        media_type="text/html",
    )
    async def board(self, hall_id: FromPath[uuid.UUID], halls: NamedDependency[HallService]) -> Response[str]:
        hall = await halls.hall(hall_id)
        return Response(
            page(hall), media_type="text/html; charset=utf-8", headers={"cache-control": "no-cache"}
        )
