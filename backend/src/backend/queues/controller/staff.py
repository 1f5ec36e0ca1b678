from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_201_CREATED

from backend.auth.guards import current_principal, device, staff
from backend.auth.principal import Principal
from backend.code.errors import SceneUnknown
from backend.queues.counters import CounterService
from backend.queues.errors import (
    BookingNotFound,
    CheckInOutsideWindow,
    CodeNotAccepted,
    CounterNotFound,
    CounterNotYours,
    GraceNotOver,
    KioskNotHere,
    NobodyWaiting,
    NoCurrentTicket,
    PriorityNotAllowed,
    RecallLimit,
    ServiceNotFound,
    ServiceNotInHall,
    TicketExists,
)
from backend.queues.model import Ticket
from backend.queues.schemas import CounterState, KioskCheckIn, KioskTake, Transfer
from backend.queues.tickets import TicketService
from backend.scanner.service import DEVICE_SCOPE

_COUNTER = (CounterNotFound, CounterNotYours)


class QueueKioskController(Controller):
    """A hall's kiosk is a scanner device registered with the hall's venue."""

    path = "/api/v1/queue/kiosk"
    tags = ("queue", "scanner")
    opt = {"access": device(DEVICE_SCOPE)}  # noqa: RUF012 (Litestar's declaration style)

    @post(
        "/check-in",
        status_code=HTTP_201_CREATED,
        summary="Check a citizen in by their citizen code: today's booking at this hall becomes a number",
        errors=(
            KioskNotHere,
            CodeNotAccepted,
            SceneUnknown,
            BookingNotFound,
            CheckInOutsideWindow,
            TicketExists,
        ),
    )
    async def check_in(
        self,
        data: JSONBody[KioskCheckIn],
        tickets: NamedDependency[TicketService],
        principal: NamedDependency[Principal],
    ) -> Ticket:
        return await tickets.kiosk_check_in(principal, data.code)

    @post(
        "/tickets",
        status_code=HTTP_201_CREATED,
        summary="A walk-in's number: a paper ticket, or the citizen's own with their code",
        errors=(
            KioskNotHere,
            ServiceNotFound,
            ServiceNotInHall,
            PriorityNotAllowed,
            CodeNotAccepted,
            SceneUnknown,
            TicketExists,
        ),
    )
    async def take(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[KioskTake],
        tickets: NamedDependency[TicketService],
    ) -> Ticket:
        # The hot path (issue 16: >= 2,000 numbers/s): one dependency, the caller read off the request
        # (two or more dependencies are resolved in a task group, ~50 µs).
        kiosk = current_principal(request)
        return await tickets.kiosk_take(kiosk, service_id=data.service_id, band=data.band, code=data.code)


class QueueCounterController(Controller):
    """Counter clerks of the counter's hall (or an operator)."""

    path = "/api/v1/queue/counters/{counter_id:uuid}"
    tags = ("queue", "staff")
    opt = {"access": staff("counter", "operator")}  # noqa: RUF012 (Litestar's declaration style)

    @get("/", summary="The counter and the number it is serving", errors=_COUNTER)
    async def state(
        self,
        counter_id: FromPath[uuid.UUID],
        counters: NamedDependency[CounterService],
        principal: NamedDependency[Principal],
    ) -> CounterState:
        counter, current = await counters.current(principal, counter_id)
        return CounterState(counter=counter, current=current)

    @post(
        "/call-next",
        status_code=200,
        summary="Finish the current number and call the next by the hall's rules",
        description="Priority bands first, then the order numbers were taken, across the counter's "
        "services. Two counters calling at once never get the same number.",
        errors=(*_COUNTER, NobodyWaiting),
    )
    async def call_next(
        self,
        counter_id: FromPath[uuid.UUID],
        counters: NamedDependency[CounterService],
        principal: NamedDependency[Principal],
    ) -> Ticket:
        return await counters.call_next(principal, counter_id)

    @post(
        "/recall",
        status_code=200,
        summary="Call the current number again",
        errors=(*_COUNTER, NoCurrentTicket, RecallLimit),
    )
    async def recall(
        self,
        counter_id: FromPath[uuid.UUID],
        counters: NamedDependency[CounterService],
        principal: NamedDependency[Principal],
    ) -> Ticket:
        return await counters.recall(principal, counter_id)

    @post(
        "/skip",
        status_code=200,
        summary="Skip a no-show after the hall's grace period and recalls",
        errors=(*_COUNTER, NoCurrentTicket, GraceNotOver),
    )
    async def skip(
        self,
        counter_id: FromPath[uuid.UUID],
        counters: NamedDependency[CounterService],
        principal: NamedDependency[Principal],
    ) -> Ticket:
        return await counters.skip(principal, counter_id)

    @post(
        "/finish", status_code=200, summary="Finish the current number", errors=(*_COUNTER, NoCurrentTicket)
    )
    async def finish(
        self,
        counter_id: FromPath[uuid.UUID],
        counters: NamedDependency[CounterService],
        principal: NamedDependency[Principal],
    ) -> Ticket:
        return await counters.finish(principal, counter_id)

    @post(
        "/transfer",
        status_code=200,
        summary="Send the current number to another service of the hall (a new number there)",
        errors=(*_COUNTER, NoCurrentTicket, ServiceNotFound, ServiceNotInHall, TicketExists),
    )
    async def transfer(
        self,
        counter_id: FromPath[uuid.UUID],
        data: JSONBody[Transfer],
        counters: NamedDependency[CounterService],
        principal: NamedDependency[Principal],
    ) -> Ticket:
        return await counters.transfer(principal, counter_id, data.service_id)
