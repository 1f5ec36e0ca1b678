"""The live feed on PostgreSQL + Redis: a watcher that reconnects with Last-Event-ID misses no call,
and with Redis gone events still arrive (each worker polls the database)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

from backend.queues.fanout import Fanout
from backend.queues.growth import GROWTH_SECONDS
from backend.queues.live import Publisher, RedisBus
from backend.queues.repository.events import EventRepository
from backend.queues.repository.halls import HallRepository
from backend.queues.repository.tickets import TicketRepository
from tests.backend.queues.factories import (
    Watching,
    citizen,
    counters,
    growth,
    make_hall,
    tickets,
    watch,
)
from tests.backend.staff.factories import operator_principal
from tests.services import Services


async def _events(stream: AsyncIterator[bytes], count: int) -> list[tuple[int, dict[str, object]]]:
    """The next ``count`` events of an SSE stream (comments and the retry line skipped)."""
    found: list[tuple[int, dict[str, object]]] = []
    while len(found) < count:
        chunk = (await asyncio.wait_for(anext(stream), 10)).decode()
        if chunk.startswith("id: "):
            head, data = chunk.strip().split("\n")
            found.append((int(head.removeprefix("id: ")), json.loads(data.removeprefix("data: "))))
    return found


async def _until_calls(stream: AsyncIterator[bytes], calls: int) -> list[tuple[int, dict[str, object]]]:
    """Events up to and including the ``calls``-th ``called`` one (``taken`` ones come between)."""
    found: list[tuple[int, dict[str, object]]] = []
    while sum(1 for _, event in found if event["kind"] == "called") < calls:
        found += await _events(stream, 1)
    return found


async def test_a_watcher_reconnecting_with_last_event_id_misses_no_call(services: Services) -> None:
    world = await make_hall(services)
    for _ in range(10):
        await tickets(services).walk_in(citizen(), service_id=world.services[0].id, hall_code=world.code)
    operator, desk = operator_principal(), world.counters[0].id
    stream = watch(services, world.hall.id, 0)
    for _ in range(3):
        await counters(services).call_next(operator, desk)
    first = await _until_calls(stream, 3)
    await stream.aclose()  # the client went away...
    for _ in range(4):  # ...and calls went on meanwhile
        await counters(services).call_next(operator, desk)
    again = watch(services, world.hall.id, first[-1][0])
    for _ in range(3):
        await counters(services).call_next(operator, desk)
    rest = await _until_calls(again, 7)  # the 4 calls missed meanwhile, then the 3 live ones
    await again.aclose()
    seqs = [seq for seq, _ in first + rest]
    assert seqs == list(range(1, len(seqs) + 1))
    seen = [event["ticket"] for _, event in first + rest if event["kind"] == "called"]
    assert seen == [f"A{n:03d}" for n in range(1, 11)]


async def test_watchers_see_the_line_grow_when_numbers_are_taken(services: Services) -> None:
    world = await make_hall(services)
    service = world.services[0].id
    stream = watch(services, world.hall.id, None)
    await asyncio.sleep(0.1)  # the watcher is registered
    await tickets(services).walk_in(citizen(), service_id=service, hall_code=world.code)
    ((_, told),) = await _events(stream, 1)  # a lone number is told at once
    assert (told["kind"], told["ticket"], told["called"]) == ("taken", "A001", None)
    assert told["line"]["waiting"] == 1  # type: ignore[index]
    for _ in range(3):  # within the window: told together at its end
        await tickets(services).walk_in(citizen(), service_id=service, hall_code=world.code)
    await asyncio.sleep(GROWTH_SECONDS)
    await growth(services).flush()
    ((_, later),) = await _events(stream, 1)
    assert (later["kind"], later["ticket"]) == ("taken", "A004")
    assert later["line"]["waiting"] == 4  # type: ignore[index]
    await stream.aclose()


async def test_with_redis_down_events_still_reach_watchers_by_polling(services: Services) -> None:
    world = await make_hall(services)
    await tickets(services).walk_in(citizen(), service_id=world.services[0].id, hall_code=world.code)
    engine = services.engine
    # Another worker whose Redis is gone: its publish fails, its poll still reads the database.
    lonely = Fanout(EventRepository(engine))
    dead = RedisBus("redis://127.0.0.1:1/0", channel="dead", fanout=Fanout(EventRepository(engine)))
    publisher = Publisher(
        events=EventRepository(engine),
        tickets=TicketRepository(engine),
        halls=HallRepository(engine),
        bus=dead,
        clock=services.clock,
    )
    stream = Watching(lonely, world.hall.id, 0)
    first = asyncio.ensure_future(anext(stream))
    await asyncio.sleep(0.1)  # the watcher is registered
    called = await counters(services).call_next(operator_principal(), world.counters[0].id)
    await publisher.publish(world.hall.id, 1)  # logs, does not raise
    await lonely.poll()
    chunks = [await asyncio.wait_for(first, 5)]
    while not chunks[-1].startswith(b"id: "):
        chunks.append(await asyncio.wait_for(anext(stream), 5))
    assert json.loads(chunks[-1].split(b"data: ", 1)[1])["ticket"] == called.label
    await stream.aclose()
    await dead.drain()
