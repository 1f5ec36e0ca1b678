"""Live positions: each hall's events, written with the change that caused them, fanned out to the
watchers of every worker.

- **Recording** (``Publisher.record``, inside the change's transaction): the hall's next ``seq`` under
  its row lock, the service's line (``Line``), one ``queue_event`` row. A hall's events therefore
  commit in ``seq`` order, and the database is the history ``Last-Event-ID`` replays from.
- **Waking** (``Publisher.publish``, after the commit): one Redis ``PUBLISH`` of ``hall:seq`` to every
  worker (``RedisBus``), or a direct call in the embedded single process (``LocalBus``). A lost
  message costs nothing but a second: each worker also polls the halls it has watchers for
  (``Fanout.poll``, every ``fanout.POLL_SECONDS``), so Redis down means polling from the database.
- **Fan-out** (``fanout.Fanout``): per worker, a hall's new events are read once from the database,
  encoded once as an SSE frame, and written to each watcher's connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from datetime import timedelta

import msgspec
from redis.asyncio import Redis
from redis.exceptions import RedisError

from backend.clock import Clock
from backend.queues.fanout import Fanout
from backend.queues.model import Called, Event, EventKind, Line, Ticket
from backend.queues.repository.events import EventRepository
from backend.queues.repository.halls import HallRepository
from backend.queues.repository.tickets import TicketRepository

log = logging.getLogger("backend.queues")

OPEN_COUNTER_WINDOW = timedelta(minutes=30)


class Bus:
    """Wakes every worker's fan-out after a hall's event committed."""

    async def publish(self, hall_id: uuid.UUID, seq: int) -> None:
        raise NotImplementedError


class LocalBus(Bus):
    """The embedded default: one process, so publishing is telling the fan-out."""

    def __init__(self, fanout: Fanout) -> None:
        self._fanout = fanout

    async def publish(self, hall_id: uuid.UUID, seq: int) -> None:
        self._fanout.notify(hall_id, seq)


class RedisBus(Bus):
    """Production: every worker subscribes to one channel; a message is ``<hall id>:<seq>``."""

    def __init__(self, url: str, *, channel: str, fanout: Fanout) -> None:
        self._redis: Redis = Redis.from_url(url, socket_timeout=2.0, socket_connect_timeout=2.0)
        self._channel = channel
        self._fanout = fanout
        self.name = "queue events (redis)"
        self._stopping = asyncio.Event()

    async def publish(self, hall_id: uuid.UUID, seq: int) -> None:
        self._fanout.notify(hall_id, seq)
        try:
            await self._redis.publish(self._channel, f"{hall_id}:{seq}")
        except (RedisError, OSError) as exc:
            # The event is in the database; other workers read it at their next poll.
            log.warning(
                "queue event %s:%s not published (%s); workers poll it", hall_id, seq, type(exc).__name__
            )

    async def run(self) -> None:
        while not self._stopping.is_set():
            try:
                async with self._redis.pubsub(ignore_subscribe_messages=True) as pubsub:
                    await pubsub.subscribe(self._channel)
                    while not self._stopping.is_set():
                        message = await pubsub.get_message(timeout=1.0)
                        if message is not None:
                            self._deliver(message["data"])
            except (RedisError, OSError) as exc:
                log.warning(
                    "queue events: Redis subscription lost (%s); polling meanwhile", type(exc).__name__
                )
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), 1.0)
        self._stopping.clear()

    def _deliver(self, data: bytes) -> None:
        hall, _, seq = data.decode().partition(":")
        with contextlib.suppress(ValueError):
            self._fanout.notify(uuid.UUID(hall), int(seq))

    def stop(self) -> None:
        self._stopping.set()

    async def drain(self) -> None:
        await self._redis.aclose()


class Publisher:
    """Records a hall's events in the change's transaction, and wakes the watchers after it."""

    def __init__(
        self,
        *,
        events: EventRepository,
        tickets: TicketRepository,
        halls: HallRepository,
        bus: Bus,
        clock: Clock,
    ) -> None:
        self._events = events
        self._tickets = tickets
        self._halls = halls
        self._bus = bus
        self._clock = clock

    async def line(self, hall_id: uuid.UUID, service_id: uuid.UUID, day: str) -> Line:
        service = await self._halls.find_service(service_id)
        bands = await self._tickets.line(service_id, day)
        since = self._clock.now() - OPEN_COUNTER_WINDOW
        return Line(
            service_id=service_id,
            bands=bands,
            waiting=sum(b.count for b in bands),
            service_seconds=service.service_seconds if service else 300.0,
            open_counters=max(1, await self._halls.open_counters(service_id, hall_id, since=since)),
            last_wait_seconds=service.last_wait_seconds if service else None,
        )

    async def record(self, hall_id: uuid.UUID, kind: EventKind, ticket: Ticket, called: Called | None) -> int:
        """Inside the transaction of the change: the event's ``seq``."""
        return await self.record_line(hall_id, kind, ticket.service_id, ticket.day, ticket.label, called)

    async def record_line(
        self,
        hall_id: uuid.UUID,
        kind: EventKind,
        service_id: uuid.UUID,
        day: str,
        label: str,
        called: Called | None = None,
    ) -> int:
        now = self._clock.now()
        line = await self.line(hall_id, service_id, day)
        seq = await self._events.next_seq(hall_id)
        event = Event(
            seq=seq,
            hall_id=hall_id,
            kind=kind,
            service_id=service_id,
            ticket=label,
            called=called,
            line=line,
            at=now,
        )
        await self._events.add(hall_id, seq, msgspec.json.encode(event), now=now)
        return seq

    async def publish(self, hall_id: uuid.UUID, seq: int) -> None:
        await self._bus.publish(hall_id, seq)

    async def recent(self, hall_id: uuid.UUID, *, limit: int) -> list[Event]:
        return [
            msgspec.json.decode(data, type=Event)
            for _, data in await self._events.latest(hall_id, limit=limit)
        ]


def announcement(label: str, counter: str) -> str:
    """What the board's speech says: the number spelt out character by character, then the counter."""
    return f"请 {' '.join(label)} 号到 {counter} 办理"
