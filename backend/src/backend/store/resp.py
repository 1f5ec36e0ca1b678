"""One pipelined Redis connection per worker: what :class:`~backend.store.RedisStore` speaks through.

redis-py spent ~135 µs of CPU on the gate path's one ``SET NX`` (BENCHMARKS.md, "Scanner verify"): its
blocking pool's lock, the retry and argument wrappers, a socket write per command — more than the whole
reference route's GET. A worker needs none of it. Redis answers the commands of one connection in the
order they were sent, so every command is appended to one buffer, the buffer is written once per turn
of the event loop (the commands of every request in flight in one write: automatic pipelining), and
the replies, parsed by hiredis, resolve the callers' futures in that order. The commands of one call
(:meth:`PipelinedRedis.execute_many`) are written contiguously, so a ``MULTI`` … ``EXEC`` block stays one.

Failure: a connection that fails, answers what nobody asked, or has left its oldest command unanswered
for ``timeout`` seconds is closed, and every command waiting on it fails with :class:`RedisUnavailable`;
the next command connects anew. Nothing is retried here: a ``SET NX`` or ``INCR`` whose reply was lost
may have been applied, so the caller decides (the store reports itself unavailable, as it did through
redis-py). A reply that is a Redis error (``WRONGTYPE`` …) raises :class:`RedisCommandError`.

URLs: ``redis://[[user]:password@]host[:port][/db]``, ``rediss://`` (TLS, verified against the system's
certificate authorities) and ``unix:///path?db=N``.
"""

from __future__ import annotations

import asyncio
import collections
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import parse_qs, unquote, urlsplit

import hiredis

Arg = bytes | str | int


class RedisUnavailable(Exception):
    """The connection could not be made, failed, or timed out: a command's outcome is unknown."""


class RedisCommandError(Exception):
    """Redis answered a command with an error reply (the command did nothing)."""


@dataclass(frozen=True, slots=True)
class Endpoint:
    host: str = "127.0.0.1"
    port: int = 6379
    path: str | None = None  # a unix socket
    tls: bool = False
    username: str | None = None
    password: str | None = None
    db: int = 0

    @classmethod
    def from_url(cls, url: str) -> Endpoint:
        parts = urlsplit(url)
        query = parse_qs(parts.query)
        if parts.scheme == "unix":
            db_text = query.get("db", [""])[0]
        elif parts.scheme in ("redis", "rediss"):
            db_text = query.get("db", [""])[0] or parts.path.lstrip("/")
        else:
            raise ValueError(f"not a Redis URL (redis://, rediss:// or unix://): {parts.scheme}://")
        if db_text and not db_text.isdigit():
            raise ValueError(f"the Redis database must be a number, not {db_text!r}")
        return cls(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 6379,
            path=parts.path if parts.scheme == "unix" else None,
            tls=parts.scheme == "rediss",
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password is not None else None,
            db=int(db_text or 0),
        )

    def handshake(self) -> list[tuple[Arg, ...]]:
        """What a new connection sends before anything else: authentication, the database."""
        commands: list[tuple[Arg, ...]] = []
        if self.password is not None:
            who = (self.username,) if self.username else ()
            commands.append(("AUTH", *who, self.password))
        if self.db:
            commands.append(("SELECT", self.db))
        return commands


def pack(args: Sequence[Arg]) -> bytes:
    """One command in RESP: an array of bulk strings."""
    out = [b"*%d\r\n" % len(args)]
    for arg in args:
        data = arg if isinstance(arg, bytes) else arg.encode() if isinstance(arg, str) else b"%d" % arg
        out.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(out)


class _Waiter:
    """The callers' side of ``count`` replies sent together: resolved when the last of them came."""

    __slots__ = ("count", "deadline", "future", "replies")

    def __init__(self, future: asyncio.Future[Any], count: int, deadline: float) -> None:
        self.future = future
        self.count = count
        self.deadline = deadline
        self.replies: list[Any] = []


class _Connection(asyncio.Protocol):
    def __init__(self, loop: asyncio.AbstractEventLoop, timeout: float) -> None:
        self.loop = self._loop = loop
        self._timeout = timeout
        self._reader = hiredis.Reader()
        self._waiting: collections.deque[_Waiter] = collections.deque()
        self._outgoing: list[bytes] = []
        self._flush_soon = False
        self._timer: asyncio.TimerHandle | None = None
        self._transport: asyncio.Transport | None = None
        self.closed = False

    # asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)  # uvloop's are no subclass of it

    def data_received(self, data: bytes) -> None:
        reader = self._reader
        reader.feed(data)
        waiting = self._waiting
        while True:
            try:
                reply = reader.gets()
            except hiredis.ProtocolError as exc:
                self.fail(RedisUnavailable(f"Redis sent what isn't RESP: {exc}"))
                return
            if reply is False:
                return
            if not waiting:
                self.fail(RedisUnavailable("Redis answered a command nobody sent"))
                return
            waiter = waiting[0]
            waiter.replies.append(reply)
            if len(waiter.replies) == waiter.count:
                waiting.popleft()
                if not waiter.future.done():  # a caller cancelled meanwhile: its replies are dropped
                    waiter.future.set_result(waiter.replies)

    def connection_lost(self, exc: Exception | None) -> None:
        self.fail(RedisUnavailable(f"Redis closed the connection ({exc or 'end of stream'})"))

    # ours

    def send(self, commands: Sequence[Sequence[Arg]]) -> asyncio.Future[Any]:
        """Queue ``commands`` (written together, after every command queued before) and return the
        future of their replies, a list in order."""
        if self.closed:
            raise RedisUnavailable("the Redis connection is closed")
        future: asyncio.Future[Any] = self._loop.create_future()
        deadline = self._loop.time() + self._timeout
        self._waiting.append(_Waiter(future, len(commands), deadline))
        self._outgoing.extend(pack(command) for command in commands)
        if not self._flush_soon:
            self._flush_soon = True
            self._loop.call_soon(self._flush)
        if self._timer is None:
            self._timer = self._loop.call_at(deadline, self._check_deadline)
        return future

    def _flush(self) -> None:
        self._flush_soon = False
        if self.closed or self._transport is None:
            return
        data = b"".join(self._outgoing)
        self._outgoing.clear()
        self._transport.write(data)

    def _check_deadline(self) -> None:
        self._timer = None
        if not self._waiting:
            return
        oldest = self._waiting[0].deadline
        if oldest <= self._loop.time():
            self.fail(RedisUnavailable(f"Redis gave no reply in {self._timeout} s"))
        else:
            self._timer = self._loop.call_at(oldest, self._check_deadline)

    def fail(self, error: RedisUnavailable) -> None:
        """Close the connection and fail every command waiting on it with ``error``."""
        if self.closed:
            return
        self.closed = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._transport is not None:
            self._transport.abort()
        self._outgoing.clear()
        while self._waiting:
            future = self._waiting.popleft().future
            if not future.done():
                future.set_exception(error)


class PipelinedRedis:
    """Commands to one Redis over one connection per event loop (a worker has one), pipelined."""

    def __init__(self, url: str, *, timeout: float = 2.0, connect_timeout: float = 2.0) -> None:
        self.endpoint = Endpoint.from_url(url)
        self._timeout = timeout
        self._connect_timeout = connect_timeout
        self._connection: _Connection | None = None
        self._connecting: tuple[asyncio.AbstractEventLoop, asyncio.Lock] | None = None

    async def execute(self, *args: Arg) -> Any:
        """One command's reply (bytes, int, None or a list), or :class:`RedisCommandError`."""
        (reply,) = await self.execute_many((args,))
        return reply

    async def execute_many(self, commands: Sequence[Sequence[Arg]]) -> list[Any]:
        """The replies of ``commands``, written together in one go; :class:`RedisCommandError` if
        any of them (or any part of an ``EXEC``'s reply) is an error reply."""
        if not commands:
            return []
        connection = self._connection
        if connection is None or connection.closed or connection.loop is not asyncio.get_running_loop():
            connection = await self._connect()
        replies: list[Any] = await connection.send(commands)
        for reply in replies:
            _raise_error(reply)
        return replies

    async def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.fail(RedisUnavailable("the Redis client was closed"))

    async def _connect(self) -> _Connection:
        loop = asyncio.get_running_loop()
        if self._connecting is None or self._connecting[0] is not loop:
            # A client outliving its event loop (tests) connects afresh on the new one.
            self._connecting = (loop, asyncio.Lock())
        async with self._connecting[1]:
            connection = self._connection
            if connection is not None and not connection.closed and connection.loop is loop:
                return connection  # another caller connected while this one waited
            # (one of another loop is dropped as it is: that loop is gone, nothing waits on it)
            try:
                connection = await asyncio.wait_for(self._open(), self._connect_timeout)
            except (OSError, TimeoutError) as exc:
                raise RedisUnavailable(f"can't connect to Redis: {type(exc).__name__}: {exc}") from exc
            self._connection = connection
            return connection

    async def _open(self) -> _Connection:
        loop = asyncio.get_running_loop()
        endpoint = self.endpoint
        tls = ssl.create_default_context() if endpoint.tls else None

        def protocol() -> _Connection:
            return _Connection(loop, self._timeout)

        if endpoint.path is not None:
            _, connection = await loop.create_unix_connection(protocol, endpoint.path)
        else:
            _, connection = await loop.create_connection(protocol, endpoint.host, endpoint.port, ssl=tls)
        handshake = endpoint.handshake()
        if handshake:
            try:
                for reply in await connection.send(handshake):
                    _raise_error(reply)
            except RedisCommandError as exc:
                connection.fail(RedisUnavailable("Redis refused the connection's handshake"))
                raise RedisUnavailable(f"Redis refused AUTH or SELECT: {exc}") from None
        return connection


def _raise_error(reply: Any) -> None:
    if isinstance(reply, hiredis.ReplyError):
        raise RedisCommandError(str(reply))
    if isinstance(reply, list):
        for part in reply:
            if isinstance(part, hiredis.ReplyError):
                raise RedisCommandError(str(part))
