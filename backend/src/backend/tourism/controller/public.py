from __future__ import annotations

import base64
import uuid
from datetime import date
from typing import Annotated, Any, Literal

from litestar import Controller, Request, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_201_CREATED

from backend.access import ANYONE
from backend.auth.guards import current_principal, device, staff
from backend.auth.principal import Principal
from backend.code.errors import SceneUnknown
from backend.scanner.service import DEVICE_SCOPE
from backend.tourism.errors import (
    CapacityBelowTaken,
    CitizenCodeRefused,
    GateUnknown,
    NoTicketHere,
    SlotNotFound,
    SpotExists,
    SpotInvalid,
    SpotNotFound,
    TicketCodeExpired,
    TicketCodeInvalid,
    TicketOutsideWindow,
    TicketUsed,
    TicketVoid,
    TicketWrongSpot,
)
from backend.tourism.gates import GateService
from backend.tourism.itinerary import plan_day
from backend.tourism.model import NewProduct, Product, Spot, Ticket
from backend.tourism.schemas import (
    CapacitySet,
    ItineraryRead,
    ProductRead,
    Redeem,
    Redeemed,
    SkippedRead,
    SlotCounters,
    SlotPage,
    SpotCreate,
    SpotPage,
    SpotRead,
    TourismSlotRead,
    TrustListRead,
    VisitRead,
)
from backend.tourism.signing import ISSUER
from backend.tourism.spots import SpotService


def spot_read(spot: Spot, products: list[Product]) -> SpotRead:
    return SpotRead(
        id=spot.id,
        slug=spot.slug,
        name=spot.name,
        address=spot.address,
        description=spot.description,
        opens=spot.opens,
        closes=spot.closes,
        slot_minutes=spot.slot_minutes,
        daily_capacity=spot.daily_capacity,
        products=[ProductRead(id=p.id, kind=p.kind, name=p.name, price_fen=p.price_fen) for p in products],
    )


def _redeemed(ticket: Ticket) -> Redeemed:
    assert ticket.redeemed_at is not None
    return Redeemed(
        ticket_id=ticket.id,
        kind=ticket.kind,
        day=ticket.day,
        slot_id=ticket.slot_id,
        redeemed_at=ticket.redeemed_at,
    )


class TourismPublicController(Controller):
    path = "/api/v1/tourism"
    tags = ("tourism",)

    @get("/spots", access=ANYONE, summary="Scenic spots and their ticket types")
    async def spots(self, spots: NamedDependency[SpotService]) -> SpotPage:
        return SpotPage(items=[spot_read(s, await spots.products(s.id)) for s in await spots.spots()])

    @get(
        "/spots/{spot_id:uuid}",
        access=ANYONE,
        summary="A scenic spot and its ticket types",
        errors=(SpotNotFound,),
    )
    async def spot(self, spot_id: FromPath[uuid.UUID], spots: NamedDependency[SpotService]) -> SpotRead:
        spot = await spots.spot(spot_id)
        return spot_read(spot, await spots.products(spot.id))

    @get(
        "/spots/{spot_id:uuid}/slots",
        access=ANYONE,
        summary="A day's entry slots and the places left on each",
        description="`day` is the spot's local date (Beijing time); days in the sale window get their "
        "slots on the first read.",
        errors=(SpotNotFound,),
    )
    async def slots(
        self, spot_id: FromPath[uuid.UUID], day: FromQuery[date], spots: NamedDependency[SpotService]
    ) -> SlotPage:
        return SlotPage(
            items=[
                TourismSlotRead(
                    id=a.slot.id,
                    day=a.slot.day,
                    starts_at=a.slot.starts_at,
                    ends_at=a.slot.ends_at,
                    capacity=a.slot.capacity,
                    available=a.available,
                )
                for a in await spots.availability(spot_id, day)
            ]
        )

    @get(
        "/itinerary",
        access=ANYONE,
        summary="Plan a day from chosen spots: each visit in a slot with room, before the spot closes",
        description="Spots in the order given (`order=closing_first`: the one closing first goes "
        "first); each visit goes in the first slot with room for `party` after the previous visit and "
        "`travel_minutes`, leaving `visit_minutes` before closing. Spots that cannot fit are listed "
        "with why. It plans only: buying holds the places.",
        errors=(SpotNotFound,),
    )
    async def itinerary(
        self,
        day: FromQuery[date],
        spot_ids: FromQuery[Annotated[list[uuid.UUID], QueryParameter(min_items=1, max_items=8)]],
        spots: NamedDependency[SpotService],
        start: FromQuery[Annotated[int, QueryParameter(ge=0, le=24 * 60)]] = 8 * 60,
        party: FromQuery[Annotated[int, QueryParameter(ge=1, le=10)]] = 1,
        visit_minutes: FromQuery[Annotated[int, QueryParameter(ge=15, le=12 * 60)]] = 120,
        travel_minutes: FromQuery[Annotated[int, QueryParameter(ge=0, le=6 * 60)]] = 30,
        order: FromQuery[Literal["chosen", "closing_first"]] = "chosen",
    ) -> ItineraryRead:
        plan = await plan_day(
            spots,
            spot_ids,
            day=day,
            start=start,
            party=party,
            visit_minutes=visit_minutes,
            travel_minutes=travel_minutes,
            closing_first=order == "closing_first",
        )
        return ItineraryRead(
            day=plan.day.isoformat(),
            visits=[
                VisitRead(
                    spot_id=v.spot.id,
                    spot_name=v.spot.name,
                    slot_id=v.slot_id,
                    arrive=v.arrive,
                    leave=v.leave,
                    available=v.available,
                )
                for v in plan.visits
            ],
            skipped=[
                SkippedRead(spot_id=k.spot.id, spot_name=k.spot.name, reason=k.reason) for k in plan.skipped
            ],
        )

    @get(
        "/trust-list",
        access=ANYONE,
        summary="The ticket keys for offline gates, signed by the tourism trust anchor",
    )
    async def trust_list(self, gates: NamedDependency[GateService]) -> TrustListRead:
        signer = gates.signer
        document = signer.trust_list_document(now=0)
        return TrustListRead(
            issuer=ISSUER,
            anchor=signer.anchor.public_pem().decode(),
            document=base64.b64encode(document).decode(),
        )


class TourismGateController(Controller):
    path = "/api/v1/tourism/gate"
    tags = ("tourism",)

    @post(
        "/redeem",
        status_code=200,
        access=device(DEVICE_SCOPE),
        summary="Let a ticket in at this gate: exactly once",
        description="The gate is a scanner device of scene `scenic_spot` whose venue is the spot's "
        "slug. One conditional UPDATE decides: of 50 gates scanning one ticket at once, one passes.",
        errors=(
            GateUnknown,
            TicketCodeInvalid,
            TicketCodeExpired,
            TicketUsed,
            TicketOutsideWindow,
            TicketWrongSpot,
            TicketVoid,
        ),
    )
    async def redeem(
        self, request: Request[Any, Any, Any], data: JSONBody[Redeem], gates: NamedDependency[GateService]
    ) -> Redeemed:
        return _redeemed(await gates.redeem(current_principal(request), data.code))

    @post(
        "/redeem-by-citizen-code",
        status_code=200,
        access=device(DEVICE_SCOPE),
        summary="刷码入园: let in the holder's own ticket by their citizen code, exactly once",
        description="The citizen code is verified and claimed as at any gate (scene `scenic_spot`: "
        "unrestricted citizens); then the citizen's own real-name ticket for this spot, valid now, is "
        "let in by one conditional UPDATE. Companions' tickets need their own ticket code.",
        errors=(GateUnknown, SceneUnknown, CitizenCodeRefused, NoTicketHere),
    )
    async def redeem_by_citizen_code(
        self, request: Request[Any, Any, Any], data: JSONBody[Redeem], gates: NamedDependency[GateService]
    ) -> Redeemed:
        return _redeemed(await gates.redeem_by_citizen_code(current_principal(request), data.code))


class TourismAdminController(Controller):
    path = "/api/v1/admin/tourism"
    tags = ("tourism",)
    opt = {"access": staff("operator")}  # noqa: RUF012 (Litestar's declaration style)

    @post(
        "/spots",
        status_code=HTTP_201_CREATED,
        summary="Add a scenic spot with its ticket types; its slots are materialised at once",
        errors=(SpotExists, SpotInvalid),
    )
    async def add_spot(
        self,
        data: JSONBody[SpotCreate],
        spots: NamedDependency[SpotService],
        principal: NamedDependency[Principal],
    ) -> SpotRead:
        spot, products = await spots.add_spot(
            slug=data.slug,
            name=data.name,
            address=data.address,
            description=data.description,
            opens=data.opens,
            closes=data.closes,
            slot_minutes=data.slot_minutes,
            daily_capacity=data.daily_capacity,
            shards=data.shards,
            products=[NewProduct(kind=p.kind, name=p.name, price_fen=p.price_fen) for p in data.products],
            by=principal.subject,
        )
        return spot_read(spot, products)

    @get(
        "/slots/{slot_id:uuid}/counters",
        summary="A slot's capacity, held and sold places (summed over its counter rows)",
        errors=(SlotNotFound,),
    )
    async def counters(
        self, slot_id: FromPath[uuid.UUID], spots: NamedDependency[SpotService]
    ) -> SlotCounters:
        await spots.slot(slot_id)
        capacity, held, sold = await spots.counters(slot_id)
        return SlotCounters(capacity=capacity, held=held, sold=sold)

    @put(
        "/slots/{slot_id:uuid}/capacity",
        summary="Change a slot's quota: never below the places held and sold",
        description="The new capacity is shared over the slot's counter rows, each keeping what it has "
        "held and sold and an even share of the rest; the database decides (the rows locked, each "
        "written by a conditional UPDATE), so 409 `tourism.capacity_below_taken` when more are held "
        "and sold. More room is offered to the slot's waiting list first. Audited "
        "`tourism.capacity_changed`.",
        errors=(SlotNotFound, CapacityBelowTaken),
    )
    async def set_capacity(
        self,
        slot_id: FromPath[uuid.UUID],
        data: JSONBody[CapacitySet],
        spots: NamedDependency[SpotService],
        principal: NamedDependency[Principal],
    ) -> SlotCounters:
        capacity, held, sold = await spots.set_capacity(slot_id, data.capacity, by=principal.subject)
        return SlotCounters(capacity=capacity, held=held, sold=sold)
