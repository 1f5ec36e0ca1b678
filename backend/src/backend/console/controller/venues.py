"""The venues screen (operators): scenic spots, a spot's slots on a day with their counters, a slot's
quota and its flash-sale admission queue — through ``SpotService`` and ``TourismService``, as
``/api/v1/admin/tourism`` does (audited there) — and the queue halls with their services and
counters, read-only (``HallService``, as ``/api/v1/queue/halls/{id}``)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect

from backend.auth.principal import Principal
from backend.console.controller.forms import Done, field, session_form
from backend.console.errors import CsrfInvalid, FormInvalid
from backend.console.pages import OPERATOR, render
from backend.console.session import ConsoleSessions
from backend.fields import explain
from backend.queues.errors import HallNotFound
from backend.queues.service import HallService
from backend.tourism.errors import CapacityBelowTaken, SlotNotFound, SpotExists, SpotInvalid, SpotNotFound
from backend.tourism.model import BEIJING, PRODUCT_KINDS, NewProduct
from backend.tourism.schemas import AdmissionOpen, CapacitySet, SpotCreate
from backend.tourism.service import TourismService
from backend.tourism.spots import SpotService

AnyRequest = Request[Any, Any, Any]
Spots = NamedDependency[SpotService]
Tourism = NamedDependency[TourismService]
Halls = NamedDependency[HallService]
Caller = NamedDependency[Principal]
Console = NamedDependency[ConsoleSessions]
_FORM = (CsrfInvalid, FormInvalid)


@dataclass(frozen=True)
class SlotRow:
    id: uuid.UUID
    starts: str
    ends: str
    capacity: int
    held: int
    sold: int
    left: int
    queue: str  # "" when the slot has no admission queue open, else its rule


def _checked(data: dict[str, Any], shape: type[Any]) -> Any:
    """The form's fields checked by the API's own shape (``strict=False``: a form's numbers are text)."""
    try:
        return msgspec.convert(data, shape, strict=False)
    except msgspec.ValidationError as error:
        raise FormInvalid(detail=explain(str(error))) from None


def _minutes(fields: dict[str, str], name: str) -> int | str:
    """``08:30`` as minutes after midnight (what the API takes); anything else as typed, for the
    API's shape to refuse by name."""
    hours, colon, minutes = field(fields, name).partition(":")
    if colon and hours.isdigit() and minutes.isdigit() and len(minutes) == 2 and len(hours) <= 2:
        return int(hours) * 60 + int(minutes)
    return fields[name]


def _day(text: str | None, spots: SpotService) -> date:
    if not text:
        return spots.today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise FormInvalid(detail="day is a date: YYYY-MM-DD") from None


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


class ConsoleVenueController(Controller):
    path = "/console/venues"
    include_in_schema = False
    opt = {"access": OPERATOR}  # noqa: RUF012 (Litestar's declaration style)

    @get("/")
    async def venues(
        self, spots: Spots, halls: Halls, principal: Caller, console: Console, done: Done = None
    ) -> Response[str]:
        return render(
            "venues.html", principal=principal, csrf=console.for_session(principal), done=done,
            spots=await spots.spots(), halls=await halls.halls(), kinds=PRODUCT_KINDS, clock=_clock,
        )  # fmt: skip

    @post("/spots", errors=(SpotExists, SpotInvalid, *_FORM))
    async def add_spot(
        self, request: AnyRequest, spots: Spots, principal: Caller, console: Console
    ) -> Redirect:
        fields = await session_form(request, principal, console)
        product = {"kind": fields.get("kind", ""), "name": fields.get("product_name", "")}
        body: SpotCreate = _checked(
            {
                **{k: fields.get(k, "") for k in ("slug", "name", "address", "description")},
                **{k: fields.get(k, "") for k in ("slot_minutes", "daily_capacity", "shards")},
                "opens": _minutes(fields, "opens"),
                "closes": _minutes(fields, "closes"),
                "products": [{**product, "price_fen": fields.get("price_fen", "")}],
            },
            SpotCreate,
        )
        spot, _ = await spots.add_spot(
            slug=body.slug, name=body.name, address=body.address, description=body.description,
            opens=body.opens, closes=body.closes, slot_minutes=body.slot_minutes,
            daily_capacity=body.daily_capacity, shards=body.shards,
            products=[NewProduct(kind=p.kind, name=p.name, price_fen=p.price_fen) for p in body.products],
            by=principal.subject,
        )  # fmt: skip
        return Redirect(f"/console/venues/spots/{spot.id}?done=added:{spot.slug}", status_code=303)

    @get("/spots/{spot_id:uuid}", errors=(SpotNotFound, FormInvalid))
    async def spot(
        self, spot_id: FromPath[uuid.UUID], spots: Spots, tourism: Tourism, principal: Caller,
        console: Console, day: FromQuery[str | None] = None, done: Done = None,
    ) -> Response[str]:  # fmt: skip
        spot = await spots.spot(spot_id)
        shown = _day(day, spots)
        rows = []
        for listed in await spots.availability(spot_id, shown):
            capacity, held, sold = await spots.counters(listed.slot.id)
            rule = await tourism.admission.find_rule(listed.slot.id)
            rows.append(
                SlotRow(
                    id=listed.slot.id,
                    starts=listed.slot.starts_at.astimezone(BEIJING).strftime("%H:%M"),
                    ends=listed.slot.ends_at.astimezone(BEIJING).strftime("%H:%M"),
                    capacity=capacity,
                    held=held,
                    sold=sold,
                    left=capacity - held - sold,
                    queue="" if rule is None else f"open: {rule.rate}/s after {rule.burst}",
                )
            )
        return render(
            "venue_spot.html", principal=principal, csrf=console.for_session(principal), done=done,
            spot=spot, products=await spots.products(spot_id), day=shown.isoformat(), slots=rows,
            clock=_clock,
        )  # fmt: skip

    @post("/slots/{slot_id:uuid}/capacity", errors=(SlotNotFound, CapacityBelowTaken, *_FORM))
    async def capacity(
        self, request: AnyRequest, slot_id: FromPath[uuid.UUID], spots: Spots, principal: Caller,
        console: Console,
    ) -> Redirect:  # fmt: skip
        fields = await session_form(request, principal, console)
        body: CapacitySet = _checked({"capacity": field(fields, "capacity")}, CapacitySet)
        slot = await spots.slot(slot_id)
        await spots.set_capacity(slot_id, body.capacity, by=principal.subject)
        return _back(slot.spot_id, slot.day, f"capacity:{body.capacity}")

    @post("/slots/{slot_id:uuid}/admission", errors=(SlotNotFound, *_FORM))
    async def open_admission(
        self, request: AnyRequest, slot_id: FromPath[uuid.UUID], spots: Spots, tourism: Tourism,
        principal: Caller, console: Console,
    ) -> Redirect:  # fmt: skip
        fields = await session_form(request, principal, console)
        body: AdmissionOpen = _checked(
            {"rate": field(fields, "rate"), "burst": fields.get("burst", "").strip() or "0"}, AdmissionOpen
        )
        slot = await spots.slot(slot_id)
        await tourism.admission.open(
            slot_id, rate=body.rate, burst=body.burst, until=slot.ends_at, by=principal.subject
        )
        return _back(slot.spot_id, slot.day, f"queue-opened:{slot_id}")

    @post("/slots/{slot_id:uuid}/admission/close", errors=(SlotNotFound, *_FORM))
    async def close_admission(
        self, request: AnyRequest, slot_id: FromPath[uuid.UUID], spots: Spots, tourism: Tourism,
        principal: Caller, console: Console,
    ) -> Redirect:  # fmt: skip
        await session_form(request, principal, console)
        slot = await spots.slot(slot_id)
        await tourism.admission.close(slot_id, by=principal.subject)
        return _back(slot.spot_id, slot.day, f"queue-closed:{slot_id}")

    @get("/halls/{hall_id:uuid}", errors=(HallNotFound,))
    async def hall(
        self, hall_id: FromPath[uuid.UUID], halls: Halls, principal: Caller, console: Console
    ) -> Response[str]:
        return render(
            "venue_hall.html", principal=principal, csrf=console.for_session(principal),
            hall=await halls.hall(hall_id), services=await halls.services(hall_id),
            counters=await halls.counters(hall_id),
        )  # fmt: skip


def _back(spot_id: uuid.UUID, day: str, done: str) -> Redirect:
    return Redirect(f"/console/venues/spots/{spot_id}?day={day}&done={done}", status_code=303)
