"""Plain async factories for tourism tests: spots with one all-day slot a day, visitors with valid
ID numbers, holds, all through the feature's own services on the session's database."""

from __future__ import annotations

import asyncio
import itertools
import secrets
import uuid
from collections.abc import Awaitable, Iterable
from datetime import date, timedelta
from typing import TypeVar

from backend.tourism.gates import GateService
from backend.tourism.model import BEIJING, NewProduct, Product, Slot, Spot, TicketRequest
from backend.tourism.service import TourismService
from backend.tourism.spots import SpotService
from backend.tourism.visitors import VisitorService
from integrations.idnumber import id_check_digit
from tests.services import Services

T = TypeVar("T")


def spots(services: Services) -> SpotService:
    return services.wiring.get(SpotService)


def tourism(services: Services) -> TourismService:
    return services.wiring.get(TourismService)


def gates(services: Services) -> GateService:
    return services.wiring.get(GateService)


def visitors(services: Services) -> VisitorService:
    return services.wiring.get(VisitorService)


def id_number(n: int, *, born: date | None = None) -> str:
    """A valid ID number of 宿城区, unique per ``n`` below 1,000 × 36,500 (birth date and sequence)."""
    born = born or date(1950, 1, 1) + timedelta(days=(n // 1000) % 20_000)
    first17 = f"321302{born:%Y%m%d}{n % 1000:03d}"
    return first17 + id_check_digit(first17)


def today() -> date:
    from datetime import datetime

    return datetime.now(BEIJING).date()


class World:
    def __init__(self, spot: Spot, products: list[Product], slot: Slot) -> None:
        self.spot = spot
        self.products = {p.kind: p for p in products}
        self.slot = slot

    @property
    def adult(self) -> Product:
        return self.products["adult"]


async def make_spot(
    services: Services, *, capacity: int = 10, shards: int = 1, day: date | None = None, adult_fen: int = 6000
) -> World:
    """A spot open all day with one slot a day of ``capacity`` places, and that ``day``'s slot
    (today by default: its tickets may enter now)."""
    spot, products = await spots(services).add_spot(
        slug=f"spot-{secrets.token_hex(5)}",
        name="项王故里",
        address="宿城区梧桐巷1号",
        description="",
        opens=0,
        closes=24 * 60,
        slot_minutes=24 * 60,
        daily_capacity=capacity,
        shards=shards,
        products=[
            NewProduct(kind="adult", name="成人票", price_fen=adult_fen),
            NewProduct(kind="child", name="儿童票", price_fen=adult_fen // 2),
            NewProduct(kind="free", name="免票", price_fen=0),
        ],
        by="test",
    )
    (available,) = await spots(services).availability(spot.id, day or today())
    return World(spot, products, available.slot)


# Sequential, so the visitors of one test never share an ID number (random ones would, by the
# birthday bound, among thousands).
_counter = itertools.count(secrets.randbelow(10**6))


async def make_visitor(
    services: Services, citizen_id: uuid.UUID | None = None, *, born: date | None = None
) -> tuple[uuid.UUID, uuid.UUID]:
    """(citizen, visitor): a companion with a fresh valid ID number."""
    citizen_id = citizen_id or uuid.uuid4()
    n = next(_counter)
    visitor = await visitors(services).add(citizen_id, name="王小明", id_number=id_number(n, born=born))
    return citizen_id, visitor.id


async def bounded(calls: Iterable[Awaitable[T]], *, in_flight: int = 50) -> list[T]:
    """Run ``calls`` concurrently, at most ``in_flight`` at a time: more than the pool has connections
    (8), so they race for the rows, but not thousands queued on the pool's 5 s acquire timeout (which a
    machine busy with other work turns into 503s)."""
    gate = asyncio.Semaphore(in_flight)

    async def one(call: Awaitable[T]) -> T:
        async with gate:
            return await call

    return await asyncio.gather(*(one(c) for c in calls))


async def buy(
    services: Services, world: World, *, citizen_id: uuid.UUID | None = None
) -> tuple[uuid.UUID, uuid.UUID]:
    """(citizen, hold) of one adult ticket, held not paid."""
    citizen_id, visitor_id = await make_visitor(services, citizen_id)
    hold, _ = await tourism(services).hold(
        citizen_id, world.slot.id, [TicketRequest(visitor_id=visitor_id, product_id=world.adult.id)]
    )
    return citizen_id, hold.id
