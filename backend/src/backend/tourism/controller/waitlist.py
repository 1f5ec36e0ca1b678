"""The citizen's places in sold-out slots' waiting lists (候补)."""

from __future__ import annotations

import uuid

from litestar import Controller, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_201_CREATED

from backend.auth.guards import CITIZEN
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
from backend.tourism.schemas import WaiterPage, WaiterRead, WaitJoin
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
