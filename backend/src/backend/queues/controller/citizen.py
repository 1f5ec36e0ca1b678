from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, HeaderParameter, JSONBody
from litestar.status_codes import HTTP_201_CREATED

from backend.auth.guards import CITIZEN
from backend.auth.principal import Principal
from backend.idempotency import IDEMPOTENCY_ERRORS, Idempotency, idempotent_json
from backend.queues.bookings import BookingService
from backend.queues.controller.public import etagged
from backend.queues.errors import (
    AlreadyBooked,
    BookingNotActive,
    BookingNotFound,
    BookingPaused,
    CheckInOutsideWindow,
    HallCodeInvalid,
    HallNotFound,
    NoTableForParty,
    NotWaiting,
    ServiceNotFound,
    SlotFull,
    SlotNotFound,
    SlotPast,
    TicketExists,
    TicketNotFound,
)
from backend.queues.model import Booking, Position, Ticket
from backend.queues.schemas import BookingList, CheckIn, QueueBookingCreate, TableTake, TicketList, WalkIn
from backend.queues.tickets import TicketService

IdempotencyKey = Annotated[str | None, HeaderParameter(name="idempotency-key")]
_BOOKING_ERRORS = (SlotNotFound, SlotPast, SlotFull, AlreadyBooked, BookingPaused)


class QueueCitizenController(Controller):
    path = "/api/v1/queue"
    tags = ("queue",)
    opt = {"access": CITIZEN}  # noqa: RUF012 (Litestar's declaration style)

    @post(
        "/bookings",
        status_code=HTTP_201_CREATED,
        summary="Book a slot (or move a booking of yours to it: `replaces`): one per service and day",
        description="With an `Idempotency-Key` header, a retried request answers the first response. "
        "The database decides: a full slot is 409 `queue.slot_full` however many ask at once. With "
        "`replaces`, the old booking is cancelled and the new one made in one transaction: a full "
        "slot leaves the old booking as it was.",
        responses={HTTP_201_CREATED: ResponseSpec(Booking, description="Booked")},
        errors=(*_BOOKING_ERRORS, BookingNotFound, BookingNotActive, *IDEMPOTENCY_ERRORS),
    )
    async def book(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[QueueBookingCreate],
        bookings: NamedDependency[BookingService],
        idempotency: NamedDependency[Idempotency],
        principal: NamedDependency[Principal],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[bytes]:
        async def book() -> Booking:
            if data.replaces is not None:
                return await bookings.reschedule(principal.id, data.replaces, data.slot_id)
            return await bookings.book(principal.id, data.slot_id)

        return await idempotent_json(
            idempotency,
            request,
            scope=f"queue.book:{principal.subject}",
            key=idempotency_key,
            status=HTTP_201_CREATED,
            call=book,
        )

    @get("/bookings", summary="Your bookings, latest first")
    async def bookings(
        self, bookings: NamedDependency[BookingService], principal: NamedDependency[Principal]
    ) -> BookingList:
        return BookingList(items=await bookings.mine(principal.id))

    @post(
        "/bookings/{booking_id:uuid}/cancel",
        status_code=200,
        summary="Cancel a booking; its place is free again",
        owns={"booking_id": "queue.booking"},
        errors=(BookingNotFound, BookingNotActive),
    )
    async def cancel(
        self,
        booking_id: FromPath[uuid.UUID],
        bookings: NamedDependency[BookingService],
        principal: NamedDependency[Principal],
    ) -> Booking:
        return await bookings.cancel(principal.id, booking_id)

    @post(
        "/check-in",
        status_code=HTTP_201_CREATED,
        summary="Check in at the hall (its QR poster's code): today's booking there becomes a number",
        errors=(HallNotFound, HallCodeInvalid, BookingNotFound, CheckInOutsideWindow, TicketExists),
    )
    async def check_in(
        self,
        data: JSONBody[CheckIn],
        tickets: NamedDependency[TicketService],
        principal: NamedDependency[Principal],
    ) -> Ticket:
        return await tickets.check_in(principal.id, hall_id=data.hall_id, hall_code=data.hall_code)

    @post(
        "/tickets",
        status_code=HTTP_201_CREATED,
        summary="Take a number as a walk-in, at the hall (its QR poster's code)",
        errors=(ServiceNotFound, HallNotFound, HallCodeInvalid, TicketExists),
    )
    async def walk_in(
        self,
        data: JSONBody[WalkIn],
        tickets: NamedDependency[TicketService],
        principal: NamedDependency[Principal],
    ) -> Ticket:
        return await tickets.walk_in(principal.id, service_id=data.service_id, hall_code=data.hall_code)

    @post(
        "/halls/{hall_id:uuid}/tables",
        status_code=HTTP_201_CREATED,
        summary="A restaurant's queue number for your party: the table band that seats it (1-2, 3-4, 5+)",
        errors=(HallNotFound, HallCodeInvalid, NoTableForParty, TicketExists),
        # A hall is public (anyone reads it); the poster's code proves the citizen is there.
        shared_ids=("hall_id",),
    )
    async def table(
        self,
        hall_id: FromPath[uuid.UUID],
        data: JSONBody[TableTake],
        tickets: NamedDependency[TicketService],
        principal: NamedDependency[Principal],
    ) -> Ticket:
        return await tickets.table(
            principal.id, hall_id=hall_id, party_size=int(data.party_size), hall_code=data.hall_code
        )

    @get("/tickets", summary="Your numbers today")
    async def tickets(
        self, tickets: NamedDependency[TicketService], principal: NamedDependency[Principal]
    ) -> TicketList:
        return TicketList(items=await tickets.mine(principal.id))

    @get(
        "/tickets/{ticket_id:uuid}",
        summary="Your number's place in line and wait estimate, from the database (poll with ETag)",
        description="`If-None-Match` with the last `ETag` answers 304 while nothing changed.",
        owns={"ticket_id": "queue.ticket"},
        errors=(TicketNotFound,),
        responses={
            200: ResponseSpec(Position, description="The place in line"),
            304: ResponseSpec(None, description="Unchanged"),
        },
    )
    async def position(
        self,
        request: Request[Any, Any, Any],
        ticket_id: FromPath[uuid.UUID],
        tickets: NamedDependency[TicketService],
        principal: NamedDependency[Principal],
    ) -> Response[bytes]:
        return etagged(request, await tickets.position(principal.id, ticket_id))

    @post(
        "/tickets/{ticket_id:uuid}/cancel",
        status_code=200,
        summary="Leave the line",
        owns={"ticket_id": "queue.ticket"},
        errors=(TicketNotFound, NotWaiting),
    )
    async def cancel_ticket(
        self,
        ticket_id: FromPath[uuid.UUID],
        tickets: NamedDependency[TicketService],
        principal: NamedDependency[Principal],
    ) -> Ticket:
        return await tickets.cancel(principal.id, ticket_id)
