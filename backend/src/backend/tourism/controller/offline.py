"""Offline gates: the spot's day as a feed read by cursor, uploads of the entries a gate made while
offline, and the staff's list of tickets let in twice."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from backend.auth.guards import current_principal, device, staff
from backend.pagination import CursorInvalid
from backend.scanner.service import DEVICE_SCOPE
from backend.tourism.errors import GateUnknown, ScanTimeInvalid, SpotNotFound
from backend.tourism.offline import OfflineGates, ScanIn
from backend.tourism.schemas import (
    FeedEntry,
    GateFeed,
    GateFlagPage,
    GateFlagRead,
    GateScanBatch,
    GateScanResult,
    GateScanResults,
)
from backend.tourism.spots import SpotService

FeedSize = Annotated[int, QueryParameter(ge=1, le=5000)]


class TourismOfflineGateController(Controller):
    path = "/api/v1/tourism/gate"
    tags = ("tourism",)

    @get(
        "/feed",
        access=device(DEVICE_SCOPE),
        summary="The gate's spot's day of tickets, changed after a cursor, for deciding offline",
        description="Every ticket of the gate's spot and `day` (today, Beijing time, by default) that a "
        "gate cares about, in change order, each with its state now: apply them, keep `next_cursor`. "
        "Changes are served once they are 5 s old (`SUQIAN_TOURISM_FEED_SETTLE`), so a cursor never "
        "skips a change that committed late. Holds not yet paid are never listed.",
        errors=(GateUnknown, CursorInvalid),
    )
    async def feed(
        self,
        request: Request[Any, Any, Any],
        offline: NamedDependency[OfflineGates],
        day: FromQuery[date | None] = None,
        cursor: FromQuery[Annotated[str | None, QueryParameter(max_length=512)]] = None,
        limit: FeedSize = 1000,
    ) -> GateFeed:
        page = await offline.feed(current_principal(request), day=day, cursor=cursor, limit=limit)
        return GateFeed(
            spot_id=page.spot.id,
            day=page.day,
            items=[
                FeedEntry(
                    code_id=row.code_id,
                    state=row.state,
                    kind=row.kind,
                    valid_from=row.valid_from,
                    valid_until=row.valid_until,
                )
                for row in page.items
            ],
            next_cursor=page.next_cursor,
            has_more=page.has_more,
        )

    @post(
        "/scans",
        status_code=200,
        access=device(DEVICE_SCOPE),
        summary="Upload the entries this gate made offline; a ticket let in twice is flagged",
        description="Each scan is the QR the gate read and when. The code's signature is checked at "
        "that moment; then one conditional UPDATE lets the ticket in as of then if it was valid and "
        "nobody let it in meanwhile. Otherwise the outcome says why (`duplicate`: already in through "
        "another gate, flagged for staff). Sending a batch again is safe: each scan is recorded once "
        "and answered as the first time.",
        errors=(GateUnknown, ScanTimeInvalid),
    )
    async def scans(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[GateScanBatch],
        offline: NamedDependency[OfflineGates],
    ) -> GateScanResults:
        outcomes = await offline.upload(
            current_principal(request), [ScanIn(code=s.code, scanned_at=s.scanned_at) for s in data.scans]
        )
        return GateScanResults(
            results=[
                GateScanResult(
                    code_id=o.code_id,
                    scanned_at=o.scanned_at,
                    outcome=o.outcome,
                    ticket_id=o.ticket_id,
                    first_gate=o.first_gate,
                    first_at=o.first_at,
                )
                for o in outcomes
            ]
        )


class TourismGateFlagController(Controller):
    path = "/api/v1/admin/tourism"
    tags = ("tourism",)
    opt = {"access": staff("operator")}  # noqa: RUF012 (Litestar's declaration style)

    @get(
        "/spots/{spot_id:uuid}/gate-flags",
        summary="Tickets let in twice on a day (offline gates' uploads), oldest first",
        errors=(SpotNotFound,),
    )
    async def flags(
        self,
        spot_id: FromPath[uuid.UUID],
        day: FromQuery[date],
        offline: NamedDependency[OfflineGates],
        spots: NamedDependency[SpotService],
    ) -> GateFlagPage:
        await spots.spot(spot_id)
        return GateFlagPage(
            items=[
                GateFlagRead(
                    ticket_id=f.ticket_id,
                    code_id=f.code_id,
                    gate=f.gate,
                    scanned_at=f.scanned_at,
                    uploaded_at=f.uploaded_at,
                    first_gate=f.first_gate,
                    first_at=f.first_at,
                )
                for f in await offline.flags(spot_id, day)
            ]
        )
