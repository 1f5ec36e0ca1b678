"""Each worker's watchers of the halls' live events, and how an event reaches all of them.

Per worker and hall, a new event is read once from the database, encoded once as an SSE frame, and
written to every watcher's connection straight from the fan-out: no task is woken per watcher. Why:
at 5,000 watchers a worker, waking each watcher's own task (an ``asyncio.Event``, a timeout for its
keep-alive, a generator resumed through Litestar's ``Stream`` and its task group) cost ~110 µs a
watcher and an event, 0.55 s per worker and event (py-spy, BENCHMARKS.md); one ASGI ``send`` a
watcher is what remains. The sends go out in ``LANES`` interleaved lanes, because each ``send`` waits
for the server's write to be queued (granian: a round trip through its runtime); lanes overlap them.

A watcher's connection is a plain ASGI response (``WatchResponse``): the stream's head, the history it
missed (``Last-Event-ID``, else the last few), then live frames; it ends when the client goes. While a
watcher is catching up, live frames wait in its ``pending`` queue; they are sent once, by ``seq``.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
import uuid
from collections import deque
from collections.abc import Awaitable, Callable, MutableMapping
from types import FrameType
from typing import Any

from backend.queues.repository.events import EventRepository

log = logging.getLogger("backend.queues")

Message = MutableMapping[str, Any]
Send = Callable[[Message], Awaitable[None]]
Receive = Callable[[], Awaitable[Message]]
Handler = Callable[[int, FrameType | None], Any]

# Each worker reads new events of its watched halls this often even without a Redis message.
POLL_SECONDS = 1.0
# A comment line this often keeps proxies and clients from timing out an idle stream.
KEEP_ALIVE_SECONDS = 15.0
# Events a watcher without ``Last-Event-ID`` gets first: enough for a board's recent calls.
FIRST_EVENTS = 8
# Frames per watched hall each worker keeps for reconnecting watchers.
RECENT = 256
# Sends in flight at once per hall and event (each waits for the server to queue the write).
LANES = 16
HEAD = (
    (b"content-type", b"text/event-stream"),
    (b"cache-control", b"no-store"),
    # nginx and the like would otherwise buffer the stream.
    (b"x-accel-buffering", b"no"),
)
RETRY = b"retry: 2000\n\n"
KEEP_ALIVE = b": keep-alive\n\n"


def frame(seq: int, data: bytes) -> bytes:
    return b"id: %d\ndata: %s\n\n" % (seq, data)


class Watcher:
    """One connected client: its ASGI ``send``, the newest event it was sent, and the frames that
    arrived while it was catching up."""

    __slots__ = ("ended", "gone", "last", "live", "pending", "send")

    def __init__(self, send: Send, last: int) -> None:
        self.send = send
        self.last = last
        self.live = False
        self.gone = False
        self.pending: deque[tuple[int, bytes]] = deque()
        # Done when the stream is over: the client went, a write failed, or the server is stopping.
        self.ended: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def end(self) -> None:
        self.gone = True
        if not self.ended.done():
            self.ended.set_result(None)

    async def deliver(self, seq: int, body: bytes) -> None:
        if seq > self.last and not self.gone:
            self.last = seq
            await self.write(body)

    async def write(self, body: bytes) -> None:
        if self.gone:
            return
        try:
            await self.send({"type": "http.response.body", "body": body, "more_body": True})
        except Exception:  # noqa: BLE001 (a closed connection, in whatever the server raises)
            self.end()


async def _until_disconnect(receive: Receive, watcher: Watcher) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
    watcher.end()


def end_streams_on_stop(close: Callable[[], None]) -> None:
    """Call ``close`` as soon as the server is told to stop (SIGTERM, SIGINT), before it waits for
    open connections: granian drains connections before the app's shutdown, and an event stream never
    ends by itself, so a worker with watchers would never stop (measured: it waits forever).

    The server's own handler stays (it is called after ours); where nobody handles the signal but the
    default (a test run, a script), nothing is installed."""
    if threading.current_thread() is not threading.main_thread():
        return
    loop = asyncio.get_running_loop()
    for number in (signal.SIGTERM, signal.SIGINT):
        previous = signal.getsignal(number)
        if not callable(previous) or previous is signal.default_int_handler:
            continue

        def handler(signum: int, frame: FrameType | None, previous: Handler = previous) -> None:
            loop.call_soon_threadsafe(close)
            previous(signum, frame)

        signal.signal(number, handler)


async def _in_lanes(watchers: list[Watcher], seq: int, body: bytes) -> None:
    async def lane(part: list[Watcher]) -> None:
        for watcher in part:
            await watcher.deliver(seq, body)

    if len(watchers) <= LANES:
        await lane(watchers)
    else:
        await asyncio.gather(*(lane(watchers[i::LANES]) for i in range(LANES)))


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
                for seq, data in rows:
                    encoded = frame(seq, data)
                    self._seen[hall_id] = seq
                    recent = self._recent.get(hall_id)
                    if recent is not None:
                        recent.append((seq, encoded))
                    live = []
                    for watcher in self._watchers.get(hall_id, ()):
                        if watcher.live:
                            live.append(watcher)
                        else:
                            watcher.pending.append((seq, encoded))
                    await _in_lanes(live, seq, encoded)
                if hall_id not in self._again:
                    break
        except Exception:
            log.exception("reading the events of hall %s failed; the next poll tries again", hall_id)
        finally:
            self._reading.pop(hall_id, None)

    async def poll(self) -> None:
        for hall_id in list(self._watchers):
            self.notify(hall_id)

    async def keep_alive(self) -> None:
        """A comment to every live watcher (``KEEP_ALIVE_SECONDS``, a background job): one job for all,
        not a timer per watcher."""
        watchers = [w for hall in list(self._watchers.values()) for w in hall if w.live]
        for start in range(0, len(watchers), LANES):
            await asyncio.gather(*(w.write(KEEP_ALIVE) for w in watchers[start : start + LANES]))

    def close(self) -> None:
        """End every stream of this worker (it is stopping): their clients reconnect elsewhere, or
        here after the restart, with ``Last-Event-ID``."""
        for hall in list(self._watchers.values()):
            for watcher in list(hall):
                if not watcher.gone:
                    watcher.live = False
                    watcher.ended.set_result(None)

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

    async def serve(
        self, hall_id: uuid.UUID, last_event_id: int | None, receive: Receive, send: Send
    ) -> None:
        """One watcher's stream, as an ASGI response: the events after ``last_event_id`` (or the last
        few), then live ones, until the client goes.

        The watcher is registered before its history is read, so an event committed meanwhile is in
        one or the other (or both: frames are sent once, by ``seq``)."""
        watcher = Watcher(send, last_event_id or 0)
        self._watchers.setdefault(hall_id, set()).add(watcher)
        try:
            await self._prime(hall_id)
            history = await self._history(hall_id, last_event_id)
            await send({"type": "http.response.start", "status": 200, "headers": list(HEAD)})
            first = [RETRY]
            for seq, encoded in history:
                if seq > watcher.last:
                    watcher.last = seq
                    first.append(encoded)
            await watcher.write(b"".join(first))
            while watcher.pending and not watcher.gone:
                await watcher.deliver(*watcher.pending.popleft())
            # No await between the last look at ``pending`` and this: the fan-out sends from now on.
            watcher.live = True
            listening = asyncio.ensure_future(_until_disconnect(receive, watcher))
            try:
                await watcher.ended
            finally:
                listening.cancel()
            if not watcher.gone:  # the server is stopping: end the response, the client reconnects
                await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            watcher.end()
            watchers = self._watchers.get(hall_id)
            if watchers is not None:
                watchers.discard(watcher)
                if not watchers:
                    del self._watchers[hall_id]
                    self._seen.pop(hall_id, None)
                    self._recent.pop(hall_id, None)


class WatchResponse:
    """What the events route returns: an ASGI app that hands the connection to the fan-out."""

    __slots__ = ("_fanout", "_hall_id", "_last")

    def __init__(self, fanout: Fanout, hall_id: uuid.UUID, last_event_id: int | None) -> None:
        self._fanout = fanout
        self._hall_id = hall_id
        self._last = last_event_id

    async def __call__(self, scope: Any, receive: Receive, send: Send) -> None:
        await self._fanout.serve(self._hall_id, self._last, receive, send)
