"""Plain async factories for queue tests: a hall open all day with services, counters and slots,
built through the feature's own services on the session's database."""

from __future__ import annotations

import asyncio
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

from backend.queues.bookings import BookingService
from backend.queues.counters import CounterService
from backend.queues.fanout import Fanout, Message
from backend.queues.growth import Growth
from backend.queues.live import Publisher
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


class Watching:
    """One watcher's stream as a client reads it, served by ``fanout`` as the events route serves it
    (its ASGI ``send`` and ``receive``): ``await anext(w)`` is the next SSE frame (``retry:`` line and
    comments included); ``aclose()`` is the client going away."""

    def __init__(self, fanout: Fanout, hall_id: uuid.UUID, last_event_id: int | None) -> None:
        self._frames: asyncio.Queue[bytes] = asyncio.Queue()
        self._gone = asyncio.Event()
        self._started = False
        self.task = asyncio.ensure_future(fanout.serve(hall_id, last_event_id, self._receive, self._send))

    async def _send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            assert dict(message["headers"])[b"content-type"] == b"text/event-stream"
            return
        for part in bytes(message["body"]).split(b"\n\n"):
            if part:
                self._frames.put_nowait(part + b"\n\n")

    async def _receive(self) -> Message:
        await self._gone.wait()
        return {"type": "http.disconnect"}

    def __aiter__(self) -> Watching:
        return self

    async def __anext__(self) -> bytes:
        return await self._frames.get()

    async def aclose(self) -> None:
        self._gone.set()
        await self.task


def watch(services: Services, hall_id: uuid.UUID, last_event_id: int | None) -> Watching:
    return Watching(fanout(services), hall_id, last_event_id)


def growth(services: Services) -> Growth:
    return services.wiring.get(Growth)


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
