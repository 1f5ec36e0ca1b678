"""Plain async factories for queue tests: a hall open all day with services, counters and slots,
built through the feature's own services on the session's database."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

from backend.queues.bookings import BookingService
from backend.queues.counters import CounterService
from backend.queues.live import Fanout, Publisher
from backend.queues.model import LOCAL, Counter, Hall, PriorityBand, Service, Slot
from backend.queues.service import HallService
from backend.queues.tickets import TicketService
from tests.backend.staff.factories import operator_principal
from tests.services import Services

ALL_DAY = [[0, 24 * 60]] * 7


@dataclass(frozen=True)
class World:
    hall: Hall
    code: str
    services: list[Service]
    counters: list[Counter]


def halls(services: Services) -> HallService:
    return services.wiring.get(HallService)


def bookings(services: Services) -> BookingService:
    return services.wiring.get(BookingService)


def tickets(services: Services) -> TicketService:
    return services.wiring.get(TicketService)


def counters(services: Services) -> CounterService:
    return services.wiring.get(CounterService)


def fanout(services: Services) -> Fanout:
    return services.wiring.get(Fanout)


def publisher(services: Services) -> Publisher:
    return services.wiring.get(Publisher)


async def make_hall(
    services: Services,
    *,
    prefixes: tuple[str, ...] = ("A",),
    counters_count: int = 1,
    capacity: int = 10,
    grace_seconds: int = 0,
    max_recalls: int = 2,
    bands: tuple[PriorityBand, ...] = ("disabled", "elderly", "booked"),
    venue: str | None = None,
) -> World:
    operator = operator_principal()
    hall, code = await halls(services).create_hall(
        name=f"Hall {secrets.token_hex(3)}",
        kind="service_centre",
        venue=venue or f"hall {secrets.token_hex(6)}",
        hours=[list(h) for h in ALL_DAY],
        holidays=[],
        priority_bands=list(bands),
        grace_seconds=grace_seconds,
        max_recalls=max_recalls,
        check_in_before_minutes=30,
        check_in_after_minutes=15,
        by=operator,
    )
    made = [
        await halls(services).add_service(
            hall.id,
            name=f"Service {prefix}",
            prefix=prefix,
            slot_minutes=30,
            slot_capacity=capacity,
            service_minutes=5,
            by=operator,
        )
        for prefix in prefixes
    ]
    desks = [
        await halls(services).add_counter(
            hall.id, name=f"{n + 1}号窗口", services=[s.id for s in made], by=operator
        )
        for n in range(counters_count)
    ]
    return World(hall, code, made, desks)


async def future_slot(services: Services, service: Service, *, days: int = 1) -> Slot:
    """A slot of ``service`` ``days`` days from now (materialised now)."""
    await halls(services).materialise(days=days + 1, service_id=service.id)
    day = (services.clock.now() + timedelta(days=days)).astimezone(LOCAL).date()
    slots = await halls(services).slots(service.id, day.isoformat())
    return slots[len(slots) // 2]


def citizen() -> uuid.UUID:
    return uuid.uuid4()
