from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, Response, delete, get, post
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, HeaderParameter, JSONBody
from litestar.status_codes import HTTP_201_CREATED

from backend.auth.guards import CITIZEN, current_principal
from backend.auth.principal import Principal
from backend.citizen.errors import CitizenNotFound
from backend.idempotency import IDEMPOTENCY_ERRORS, Idempotency, idempotent_json
from backend.payment.errors import ORDER_ERRORS
from backend.tourism.errors import (
    AdmissionRequired,
    CancelTooLate,
    HoldExpired,
    HoldNotCancellable,
    HoldNotFound,
    HoldNotPayable,
    IdLimitReached,
    IdNumberInvalid,
    ProductNotForVisitor,
    ProductUnknown,
    SlotClosed,
    SlotNotFound,
    SoldOut,
    SpotNotFound,
    TicketNotFound,
    TicketNotValid,
    TicketsInvalid,
    TicketUsed,
    VisitorExists,
    VisitorInUse,
    VisitorNotFound,
    VisitorUnknown,
)
from backend.tourism.gates import GateService
from backend.tourism.model import Hold, Ticket, TicketRequest, Visitor
from backend.tourism.schemas import (
    HoldCreate,
    HoldPage,
    HoldPay,
    HoldPaymentStarted,
    HoldRead,
    TicketCodeRead,
    TourismTicketPage,
    TourismTicketRead,
    VisitorCreate,
    VisitorPage,
    VisitorRead,
)
from backend.tourism.service import TourismService
from backend.tourism.visitors import VisitorService

IdempotencyKey = Annotated[str | None, HeaderParameter(name="idempotency-key")]
OWNS_HOLD = {"hold_id": "tourism.hold"}


def _visitor(v: Visitor) -> VisitorRead:
    return VisitorRead(
        id=v.id, name=v.name, id_number=v.id_number, is_self=v.is_self, created_at=v.created_at
    )


def _ticket(t: Ticket) -> TourismTicketRead:
    return TourismTicketRead(
        id=t.id,
        hold_id=t.hold_id,
        spot_id=t.spot_id,
        slot_id=t.slot_id,
        day=t.day,
        visitor_id=t.visitor_id,
        kind=t.kind,
        price_fen=t.price_fen,
        state=t.state,
        valid_from=t.valid_from,
        valid_until=t.valid_until,
        redeemed_at=t.redeemed_at,
    )


def _hold(h: Hold, tickets: list[Ticket]) -> HoldRead:
    return HoldRead(
        id=h.id,
        spot_id=h.spot_id,
        slot_id=h.slot_id,
        day=h.day,
        qty=h.qty,
        amount_fen=h.amount_fen,
        state=h.state,
        order_id=h.order_id,
        expires_at=h.expires_at,
        paid_at=h.paid_at,
        created_at=h.created_at,
        tickets=[_ticket(t) for t in tickets],
    )


class TourismCitizenController(Controller):
    path = "/api/v1/tourism"
    tags = ("tourism",)
    opt = {"access": CITIZEN}  # noqa: RUF012 (Litestar's declaration style)

    @post(
        "/visitors",
        status_code=HTTP_201_CREATED,
        summary="Add a companion you buy tickets for (real name and ID number)",
        errors=(IdNumberInvalid, VisitorExists),
    )
    async def add_visitor(
        self,
        data: JSONBody[VisitorCreate],
        visitors: NamedDependency[VisitorService],
        principal: NamedDependency[Principal],
    ) -> VisitorRead:
        return _visitor(await visitors.add(principal.id, name=data.name, id_number=data.id_number))

    @post(
        "/visitors/self",
        status_code=HTTP_201_CREATED,
        summary="Add yourself as a visitor (your verified identity)",
        errors=(VisitorExists, CitizenNotFound),
    )
    async def add_self(
        self, visitors: NamedDependency[VisitorService], principal: NamedDependency[Principal]
    ) -> VisitorRead:
        return _visitor(await visitors.add_self(principal.id))

    @get("/visitors", summary="Your visitors (names and ID numbers masked)")
    async def visitors(
        self, visitors: NamedDependency[VisitorService], principal: NamedDependency[Principal]
    ) -> VisitorPage:
        return VisitorPage(items=[_visitor(v) for v in await visitors.list(principal.id)])

    @delete(
        "/visitors/{visitor_id:uuid}",
        summary="Remove a visitor",
        owns={"visitor_id": "tourism.visitor"},
        errors=(VisitorNotFound, VisitorInUse),
    )
    async def remove_visitor(
        self,
        visitor_id: FromPath[uuid.UUID],
        visitors: NamedDependency[VisitorService],
        principal: NamedDependency[Principal],
    ) -> None:
        await visitors.remove(principal.id, visitor_id)

    @post(
        "/holds",
        status_code=HTTP_201_CREATED,
        summary="Hold places in a slot: one real-name ticket per visitor, pay within 10 minutes",
        description="One conditional write takes the places (a database CHECK backs it): a full slot "
        "is 409 `tourism.sold_out` however many ask at once; a visitor with a ticket for the spot that "
        "day is 409 `tourism.id_limit_reached`. A flash sale with an admission queue needs the buyer's "
        "pass (`admission`), else 409 `tourism.admission_required`. With an `Idempotency-Key` header a "
        "retried request answers the first response.",
        errors=(
            SlotNotFound,
            SpotNotFound,
            SlotClosed,
            SoldOut,
            IdLimitReached,
            TicketsInvalid,
            ProductUnknown,
            VisitorUnknown,
            ProductNotForVisitor,
            AdmissionRequired,
            *IDEMPOTENCY_ERRORS,
        ),
        responses={HTTP_201_CREATED: ResponseSpec(HoldRead, description="Held")},
    )
    async def hold(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[HoldCreate],
        tourism: NamedDependency[TourismService],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[bytes]:
        principal = current_principal(request)

        async def hold() -> HoldRead:
            wanted = [TicketRequest(visitor_id=t.visitor_id, product_id=t.product_id) for t in data.tickets]
            made, tickets = await tourism.hold(principal.id, data.slot_id, wanted, admission=data.admission)
            return _hold(made, tickets)

        return await idempotent_json(
            tourism.idempotency,
            request,
            scope=f"tourism.hold:{principal.subject}",
            key=idempotency_key,
            status=HTTP_201_CREATED,
            call=hold,
        )

    @get("/holds", summary="Your ticket purchases, newest first")
    async def holds(
        self, tourism: NamedDependency[TourismService], principal: NamedDependency[Principal]
    ) -> HoldPage:
        return HoldPage(items=[_hold(h, []) for h in await tourism.holds(principal.id)])

    @get(
        "/holds/{hold_id:uuid}", summary="A purchase and its tickets", owns=OWNS_HOLD, errors=(HoldNotFound,)
    )
    async def get_hold(
        self,
        hold_id: FromPath[uuid.UUID],
        tourism: NamedDependency[TourismService],
        principal: NamedDependency[Principal],
    ) -> HoldRead:
        return _hold(*await tourism.get(principal.id, hold_id))

    @post(
        "/holds/{hold_id:uuid}/pay",
        status_code=HTTP_201_CREATED,
        summary="Pay a purchase: the order and the cashier's arguments",
        description="The same order again while it is unpaid (never a second charge). Free tickets are "
        "confirmed at once, with no order.",
        owns=OWNS_HOLD,
        errors=(
            HoldNotFound,
            HoldExpired,
            HoldNotPayable,
            *ORDER_ERRORS,
            SpotNotFound,
            *IDEMPOTENCY_ERRORS,
        ),
        responses={HTTP_201_CREATED: ResponseSpec(HoldPaymentStarted, description="Payment started")},
    )
    async def pay(
        self,
        request: Request[Any, Any, Any],
        hold_id: FromPath[uuid.UUID],
        data: JSONBody[HoldPay],
        tourism: NamedDependency[TourismService],
        idempotency: NamedDependency[Idempotency],
        principal: NamedDependency[Principal],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[bytes]:
        async def pay() -> HoldPaymentStarted:
            hold, created = await tourism.pay(principal.id, hold_id, channel=data.channel)
            _, tickets = await tourism.get(principal.id, hold_id)
            if created is None:
                return HoldPaymentStarted(
                    hold=_hold(hold, tickets), order_status="none", expires_at=None, pay_arguments={}
                )
            return HoldPaymentStarted(
                hold=_hold(hold, tickets),
                order_status=created.order.status,
                expires_at=created.order.expires_at,
                pay_arguments=created.pay_arguments,
            )

        return await idempotent_json(
            idempotency,
            request,
            scope=f"tourism.pay:{principal.subject}",
            key=idempotency_key,
            status=HTTP_201_CREATED,
            call=pay,
        )

    @post(
        "/holds/{hold_id:uuid}/cancel",
        status_code=200,
        summary="Cancel a purchase: unpaid at once; paid until 2 h before the slot, refunded in full",
        owns=OWNS_HOLD,
        errors=(HoldNotFound, HoldNotCancellable, CancelTooLate, SlotNotFound),
    )
    async def cancel(
        self,
        hold_id: FromPath[uuid.UUID],
        tourism: NamedDependency[TourismService],
        principal: NamedDependency[Principal],
    ) -> HoldRead:
        await tourism.cancel(principal.id, hold_id)
        return _hold(*await tourism.get(principal.id, hold_id))

    @get("/tickets", summary="Your tickets (paid, used or void), newest first")
    async def tickets(
        self, tourism: NamedDependency[TourismService], principal: NamedDependency[Principal]
    ) -> TourismTicketPage:
        return TourismTicketPage(items=[_ticket(t) for t in await tourism.tickets(principal.id)])

    @get(
        "/tickets/{ticket_id:uuid}/code",
        summary="A fresh signed code to show as a QR at the gate (it rotates: ask again before it expires)",
        owns={"ticket_id": "tourism.ticket"},
        errors=(TicketNotFound, TicketNotValid, TicketUsed),
    )
    async def code(
        self,
        ticket_id: FromPath[uuid.UUID],
        gates: NamedDependency[GateService],
        principal: NamedDependency[Principal],
    ) -> TicketCodeRead:
        code = await gates.code(principal.id, ticket_id)
        return TicketCodeRead(code=code.code, expires_at=code.expires_at)
