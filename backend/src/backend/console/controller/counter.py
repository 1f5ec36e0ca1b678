"""The counter screen (counter clerks, operators): the counters a clerk works, and at one of them the
number it is serving — call the next, recall, skip a no-show, transfer to another service of the
hall, finish — through ``CounterService``, as ``/api/v1/queue/counters/{counter_id}`` does (the
same rules: a clerk works only the counters of the halls they are assigned to)."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect

from backend.auth.principal import Principal
from backend.console.controller.forms import Done, field, session_form
from backend.console.errors import CsrfInvalid, FormInvalid
from backend.console.pages import COUNTER, render
from backend.console.session import ConsoleSessions
from backend.fields import explain
from backend.queues.counters import CounterService
from backend.queues.errors import (
    CounterNotFound,
    CounterNotYours,
    GraceNotOver,
    NobodyWaiting,
    NoCurrentTicket,
    RecallLimit,
    ServiceNotFound,
    ServiceNotInHall,
    TicketExists,
)
from backend.queues.model import Ticket
from backend.queues.schemas import Transfer
from backend.queues.service import HallService

AnyRequest = Request[Any, Any, Any]
Caller = NamedDependency[Principal]
Console = NamedDependency[ConsoleSessions]
Counters = NamedDependency[CounterService]
Halls = NamedDependency[HallService]
_COUNTER = (CounterNotFound, CounterNotYours)
_FORM = (CsrfInvalid, FormInvalid)


def _done(counter_id: uuid.UUID, what: str, ticket: Ticket) -> Redirect:
    return Redirect(f"/console/counters/{counter_id}?done={what}:{ticket.label}", status_code=303)


class ConsoleCounterController(Controller):
    path = "/console/counters"
    include_in_schema = False
    opt = {"access": COUNTER}  # noqa: RUF012 (Litestar's declaration style)

    @get("/")
    async def counters(self, halls: Halls, principal: Caller, console: Console) -> Response[str]:
        return render(
            "counters.html", principal=principal, csrf=console.for_session(principal),
            worked=await halls.counters_for(principal),
        )  # fmt: skip

    @get("/{counter_id:uuid}", errors=_COUNTER)
    async def counter(
        self, counter_id: FromPath[uuid.UUID], counters: Counters, halls: Halls, principal: Caller,
        console: Console, done: Done = None,
    ) -> Response[str]:  # fmt: skip
        counter, current = await counters.current(principal, counter_id)
        services = await halls.services(counter.hall_id)
        return render(
            "counter.html", principal=principal, csrf=console.for_session(principal), counter=counter,
            current=current, hall=await halls.hall(counter.hall_id), services=services,
            names={service.id: service.name for service in services}, done=done,
        )  # fmt: skip

    @post("/{counter_id:uuid}/call-next", errors=(*_COUNTER, NobodyWaiting, *_FORM))
    async def call_next(
        self, request: AnyRequest, counter_id: FromPath[uuid.UUID], counters: Counters, principal: Caller,
        console: Console,
    ) -> Redirect:  # fmt: skip
        await session_form(request, principal, console)
        return _done(counter_id, "called", await counters.call_next(principal, counter_id))

    @post("/{counter_id:uuid}/recall", errors=(*_COUNTER, NoCurrentTicket, RecallLimit, *_FORM))
    async def recall(
        self, request: AnyRequest, counter_id: FromPath[uuid.UUID], counters: Counters, principal: Caller,
        console: Console,
    ) -> Redirect:  # fmt: skip
        await session_form(request, principal, console)
        return _done(counter_id, "recalled", await counters.recall(principal, counter_id))

    @post("/{counter_id:uuid}/skip", errors=(*_COUNTER, NoCurrentTicket, GraceNotOver, *_FORM))
    async def skip(
        self, request: AnyRequest, counter_id: FromPath[uuid.UUID], counters: Counters, principal: Caller,
        console: Console,
    ) -> Redirect:  # fmt: skip
        await session_form(request, principal, console)
        return _done(counter_id, "skipped", await counters.skip(principal, counter_id))

    @post("/{counter_id:uuid}/finish", errors=(*_COUNTER, NoCurrentTicket, *_FORM))
    async def finish(
        self, request: AnyRequest, counter_id: FromPath[uuid.UUID], counters: Counters, principal: Caller,
        console: Console,
    ) -> Redirect:  # fmt: skip
        await session_form(request, principal, console)
        return _done(counter_id, "finished", await counters.finish(principal, counter_id))

    @post(
        "/{counter_id:uuid}/transfer",
        errors=(*_COUNTER, NoCurrentTicket, ServiceNotFound, ServiceNotInHall, TicketExists, *_FORM),
    )
    async def transfer(
        self, request: AnyRequest, counter_id: FromPath[uuid.UUID], counters: Counters, principal: Caller,
        console: Console,
    ) -> Redirect:  # fmt: skip
        fields = await session_form(request, principal, console)
        try:
            body = msgspec.convert({"service_id": field(fields, "service_id")}, Transfer)
        except msgspec.ValidationError as error:
            raise FormInvalid(detail=explain(str(error))) from None
        return _done(
            counter_id, "transferred", await counters.transfer(principal, counter_id, body.service_id)
        )
