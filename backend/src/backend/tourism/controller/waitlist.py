"""Crowds at a hot slot: the citizen's places in sold-out slots' waiting lists (候补), and the
admission queue of a flash sale (taking a number, operators opening and closing it)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from litestar import Controller, Response, delete, get, post, put
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_201_CREATED

from backend.auth.guards import CITIZEN, staff
from backend.auth.principal import Principal
from backend.tourism.errors import (
    AlreadyWaiting,
    ProductNotForVisitor,
    ProductUnknown,
    SlotClosed,
    SlotNotFound,
    SpotNotFound,
    TicketsInvalid,
    VisitorUnknown,
    WaiterNotFound,
    WaitlistNotNeeded,
)
from backend.tourism.model import TicketRequest, Waiter
from backend.tourism.schemas import (
    AdmissionOpen,
    AdmissionRead,
    AdmissionRuleRead,
    WaiterPage,
    WaiterRead,
    WaitJoin,
)
from backend.tourism.service import TourismService
from backend.tourism.spots import SpotService
from backend.tourism.waitlist import WaitlistService


def _read(waiter: Waiter, ahead: int | None) -> WaiterRead:
    return WaiterRead(
        id=waiter.id,
        slot_id=waiter.slot_id,
        state=waiter.state,
        qty=waiter.qty,
        ahead=ahead,
        hold_id=waiter.hold_id,
        created_at=waiter.created_at,
        offered_at=waiter.offered_at,
    )


class TourismWaitlistController(Controller):
    path = "/api/v1/tourism"
    tags = ("tourism",)
    opt = {"access": CITIZEN}  # noqa: RUF012 (Litestar's declaration style)

    @post(
        "/slots/{slot_id:uuid}/waitlist",
        status_code=HTTP_201_CREATED,
        shared_ids=("slot_id",),
        summary="Wait for a sold-out slot: places coming back are held for you, first come first served",
        description="The tickets are checked as a hold checks them. When places come back, the oldest "
        "waiter gets a hold made for them (5 minutes to pay) and a notice; nobody behind them is "
        "offered first.",
        errors=(
            SlotNotFound,
            SpotNotFound,
            SlotClosed,
            WaitlistNotNeeded,
            AlreadyWaiting,
            TicketsInvalid,
            ProductUnknown,
            VisitorUnknown,
            ProductNotForVisitor,
        ),
    )
    async def join(
        self,
        slot_id: FromPath[uuid.UUID],
        data: JSONBody[WaitJoin],
        waitlist: NamedDependency[WaitlistService],
        principal: NamedDependency[Principal],
    ) -> WaiterRead:
        wanted = [TicketRequest(visitor_id=t.visitor_id, product_id=t.product_id) for t in data.tickets]
        waiter = await waitlist.join(principal.id, slot_id, wanted)
        return _read(*(await waitlist.get(principal.id, waiter.id)))

    @get("/waitlist", summary="Your places in waiting lists, newest first, with how many wait before you")
    async def mine(
        self, waitlist: NamedDependency[WaitlistService], principal: NamedDependency[Principal]
    ) -> WaiterPage:
        return WaiterPage(items=[_read(w, ahead) for w, ahead in await waitlist.mine(principal.id)])

    @get(
        "/waitlist/{waiter_id:uuid}",
        summary="One of your places in a waiting list",
        owns={"waiter_id": "tourism.waiter"},
        errors=(WaiterNotFound,),
    )
    async def one(
        self,
        waiter_id: FromPath[uuid.UUID],
        waitlist: NamedDependency[WaitlistService],
        principal: NamedDependency[Principal],
    ) -> WaiterRead:
        return _read(*(await waitlist.get(principal.id, waiter_id)))

    @delete(
        "/waitlist/{waiter_id:uuid}",
        status_code=200,
        summary="Leave a waiting list (a hold already offered stays until paid, cancelled or expired)",
        owns={"waiter_id": "tourism.waiter"},
        errors=(WaiterNotFound,),
    )
    async def leave(
        self,
        waiter_id: FromPath[uuid.UUID],
        waitlist: NamedDependency[WaitlistService],
        principal: NamedDependency[Principal],
    ) -> WaiterRead:
        return _read(*(await waitlist.leave(principal.id, waiter_id)))

    @post(
        "/slots/{slot_id:uuid}/admission",
        status_code=200,
        shared_ids=("slot_id",),
        summary="Take a number at a flash sale's admission queue; admitted, you get the pass to hold with",
        description="200 with `queued: false` when the slot's sale has no queue (hold at once), or with "
        "your `admission` pass (valid 2 min); 202 with your `position` and a `Retry-After` header while "
        "numbers before yours are let through. Asking again keeps your number.",
        errors=(SlotNotFound,),
        responses={202: ResponseSpec(data_container=AdmissionRead, description="Not yet: ask again later")},
    )
    async def admission(
        self,
        slot_id: FromPath[uuid.UUID],
        tourism: NamedDependency[TourismService],
        spots: NamedDependency[SpotService],
        principal: NamedDependency[Principal],
    ) -> Response[AdmissionRead]:
        await spots.slot(slot_id)
        entry = await tourism.admission.enter(principal.id, slot_id)
        read = AdmissionRead(
            queued=entry.queued,
            number=entry.number,
            position=entry.position,
            retry_after=entry.retry_after,
            admission=entry.admission,
        )
        if entry.queued and entry.admission is None:
            return Response(read, status_code=202, headers={"Retry-After": str(entry.retry_after)})
        return Response(read, status_code=200)


class TourismAdmissionAdminController(Controller):
    path = "/api/v1/admin/tourism"
    tags = ("tourism",)
    opt = {"access": staff("operator")}  # noqa: RUF012 (Litestar's declaration style)

    @put(
        "/slots/{slot_id:uuid}/admission",
        summary="Open a slot's admission queue for a flash sale: `rate` buyers a second after `burst`",
        description="Reopening numbers afresh. The queue lives until the slot ends; with Redis down it "
        "is skipped (buyers go straight to the database, which still decides every place).",
        errors=(SlotNotFound,),
    )
    async def open_admission(
        self,
        slot_id: FromPath[uuid.UUID],
        data: JSONBody[AdmissionOpen],
        tourism: NamedDependency[TourismService],
        spots: NamedDependency[SpotService],
        principal: NamedDependency[Principal],
    ) -> AdmissionRuleRead:
        slot = await spots.slot(slot_id)
        rule = await tourism.admission.open(
            slot_id, rate=data.rate, burst=data.burst, until=slot.ends_at, by=principal.subject
        )
        return AdmissionRuleRead(
            slot_id=slot_id,
            rate=rule.rate,
            burst=rule.burst,
            opened_at=datetime.fromtimestamp(rule.opened_at, tz=UTC),
        )

    @delete("/slots/{slot_id:uuid}/admission", status_code=204, summary="Close a slot's admission queue")
    async def close_admission(
        self,
        slot_id: FromPath[uuid.UUID],
        tourism: NamedDependency[TourismService],
        principal: NamedDependency[Principal],
    ) -> None:
        await tourism.admission.close(slot_id, by=principal.subject)
