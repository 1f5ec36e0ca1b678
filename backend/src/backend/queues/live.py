"""Live positions: each hall's events, written with the change that caused them, fanned out to the
watchers of every worker.

- **Recording** (``Publisher.record``, inside the change's transaction): the hall's next ``seq`` under
  its row lock, the service's line (``Line``), one ``queue_event`` row. A hall's events therefore
  commit in ``seq`` order, and the database is the history ``Last-Event-ID`` replays from.
- **Waking** (``Publisher.publish``, after the commit): one Redis ``PUBLISH`` of ``hall:seq`` to every
  worker (``RedisBus``), or a direct call in the embedded single process (``LocalBus``). A lost
  message costs nothing but a second: each worker also polls the halls it has watchers for
  (``Fanout.poll``, every ``POLL_SECONDS``), so Redis down means polling from the database.
- **Fan-out** (``Fanout``): per worker, a hall's new events are read once from the database, encoded
  once as an SSE frame, and handed to each watcher's bounded buffer. A watcher that falls
  ``BACKLOG`` frames behind is closed; it reconnects with ``Last-Event-ID`` and catches up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections import deque
from collections.abc import AsyncGenerator
from datetime import timedelta

import msgspec
from redis.asyncio import Redis
from redis.exceptions import RedisError

from backend.clock import Clock
from backend.queues.model import Called, Event, EventKind, Line, Ticket
from backend.queues.repository.events import EventRepository
from backend.queues.repository.halls import HallRepository
from backend.queues.repository.tickets import TicketRepository

log = logging.getLogger("backend.queues")

# A watcher this many frames behind is closed (it reconnects and catches up from the database).
BACKLOG = 256
# Each worker reads new events of its watched halls this often even without a Redis message.
POLL_SECONDS = 1.0
# A comment line this often keeps proxies and clients from timing out an idle stream.
KEEP_ALIVE_SECONDS = 15.0
# Events a watcher without ``Last-Event-ID`` gets first: enough for a board's recent calls.
FIRST_EVENTS = 8
# Frames per watched hall each worker keeps for reconnecting watchers.
RECENT = 256
OPEN_COUNTER_WINDOW = timedelta(minutes=30)


def frame(seq: int, data: bytes) -> bytes:
    return b"id: %d\ndata: %s\n\n" % (seq, data)


class Bus:
    """Wakes every worker's fan-out after a hall's event committed."""

    async def publish(self, hall_id: uuid.UUID, seq: int) -> None:
        raise NotImplementedError


class Watcher:
    """One connected client's buffer of frames still to send."""

    __slots__ = ("closed", "frames", "last", "wake")

    def __init__(self, last: int) -> None:
        self.frames: deque[tuple[int, bytes]] = deque()
        self.wake = asyncio.Event()
        self.last = last
        self.closed = False

    def push(self, seq: int, data: bytes) -> None:
        if seq <= self.last or self.closed:
            return
        if len(self.frames) >= BACKLOG:
            self.closed = True
        else:
            self.frames.append((seq, data))
        self.wake.set()


class Fanout:
    """This worker's watchers by hall, and the newest event each hall's watchers were given."""

    def __init__(self, events: EventRepository) -> None:
        self._events = events
        self._watchers: dict[uuid.UUID, set[Watcher]] = {}
        self._seen: dict[uuid.UUID, int] = {}
        self._reading: dict[uuid.UUID, asyncio.Task[None]] = {}
        self._again: set[uuid.UUID] = set()
        # The hall's last ``RECENT`` frames: what a (re)connecting watcher is sent first, without a
        # query each (10,000 watchers reconnecting after a restart must not queue on the pool).
        self._recent: dict[uuid.UUID, deque[tuple[int, bytes]]] = {}
        self._priming: dict[uuid.UUID, asyncio.Task[None]] = {}

    @property
    def watching(self) -> int:
        return sum(len(w) for w in self._watchers.values())

    def notify(self, hall_id: uuid.UUID, seq: int | None = None) -> None:
        """Hall ``hall_id`` has events up to ``seq`` (None: maybe); read them unless known."""
        if hall_id not in self._recent or (seq is not None and seq <= self._seen.get(hall_id, 0)):
            return  # nobody watches here, or its first read is under way (it reads what follows)
        if hall_id in self._reading:
            self._again.add(hall_id)
            return
        self._reading[hall_id] = asyncio.create_task(self._read(hall_id))

    async def _read(self, hall_id: uuid.UUID) -> None:
        try:
            while True:
                self._again.discard(hall_id)
                rows = await self._events.after(hall_id, self._seen.get(hall_id, 0))
                recent = self._recent.get(hall_id)
                for seq, data in rows:
                    encoded = frame(seq, data)
                    for watcher in self._watchers.get(hall_id, ()):
                        watcher.push(seq, encoded)
                    self._seen[hall_id] = seq
                    if recent is not None:
                        recent.append((seq, encoded))
                if hall_id not in self._again:
                    break
        except Exception:
            log.exception("reading the events of hall %s failed; the next poll tries again", hall_id)
        finally:
            self._reading.pop(hall_id, None)

    async def poll(self) -> None:
        for hall_id in list(self._watchers):
            self.notify(hall_id)

    async def _prime(self, hall_id: uuid.UUID) -> None:
        """Read the hall's recent events once, however many watchers arrive together."""
        if hall_id in self._recent:
            return
        task = self._priming.get(hall_id)
        if task is None:
            task = self._priming[hall_id] = asyncio.create_task(self._read_recent(hall_id))
        try:
            await asyncio.shield(task)
        finally:
            if task.done():
                self._priming.pop(hall_id, None)

    async def _read_recent(self, hall_id: uuid.UUID) -> None:
        rows = await self._events.latest(hall_id, limit=RECENT)
        recent = deque(((seq, frame(seq, data)) for seq, data in rows), maxlen=RECENT)
        self._seen[hall_id] = max(self._seen.get(hall_id, 0), rows[-1][0] if rows else 0)
        if hall_id in self._watchers:
            self._recent[hall_id] = recent
            # Events committed since that read: the fan-out reads them now.
            self.notify(hall_id)

    async def _history(self, hall_id: uuid.UUID, last_event_id: int | None) -> list[tuple[int, bytes]]:
        recent = list(self._recent.get(hall_id, ()))
        if last_event_id is None:
            return recent[-FIRST_EVENTS:]
        if recent and recent[0][0] <= last_event_id + 1:
            return [(seq, data) for seq, data in recent if seq > last_event_id]
        # Away longer than the recent frames reach (or no events yet): the database has it all.
        return [(seq, frame(seq, data)) for seq, data in await self._events.after(hall_id, last_event_id)]

    async def watch(self, hall_id: uuid.UUID, last_event_id: int | None) -> AsyncGenerator[bytes, None]:
        """The SSE stream of one watcher: the events after ``last_event_id`` (or the last few), then
        live ones, with keep-alive comments; ends when the watcher falls behind.

        The watcher is registered before its history is read, so an event committed meanwhile is in
        one or the other (or both: frames are sent once, by ``seq``)."""
        watcher = Watcher(last_event_id or 0)
        self._watchers.setdefault(hall_id, set()).add(watcher)
        try:
            await self._prime(hall_id)
            history = await self._history(hall_id, last_event_id)
            yield b"retry: 2000\n\n"
            for seq, encoded in history:
                if seq > watcher.last:
                    watcher.last = seq
                    yield encoded
            while not watcher.closed:
                if not watcher.frames:
                    watcher.wake.clear()
                    try:
                        # asyncio.timeout, not wait_for: on 3.11 wait_for wraps each wait in a task
                        # of its own, which thousands of watchers pay at every event.
                        async with asyncio.timeout(KEEP_ALIVE_SECONDS):
                            await watcher.wake.wait()
                    except TimeoutError:
                        yield b": keep-alive\n\n"
                        continue
                # Everything pending in one write: a watcher behind by several frames costs one send.
                pending = []
                while watcher.frames:
                    seq, data = watcher.frames.popleft()
                    if seq > watcher.last:
                        watcher.last = seq
                        pending.append(data)
                if pending:
                    yield pending[0] if len(pending) == 1 else b"".join(pending)
        finally:
            watchers = self._watchers.get(hall_id)
            if watchers is not None:
                watchers.discard(watcher)
                if not watchers:
                    del self._watchers[hall_id]
                    self._seen.pop(hall_id, None)
                    self._recent.pop(hall_id, None)


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
        now = self._clock.now()
        line = await self.line(hall_id, ticket.service_id, ticket.day)
        seq = await self._events.next_seq(hall_id)
        event = Event(
            seq=seq,
            hall_id=hall_id,
            kind=kind,
            service_id=ticket.service_id,
            ticket=ticket.label,
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
