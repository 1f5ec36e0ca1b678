"""One pipelined Redis connection per worker: what :class:`~backend.store.RedisStore` speaks through.

redis-py spent ~135 µs of CPU on the gate path's one ``SET NX`` (BENCHMARKS.md, "Scanner verify"): its
blocking pool's lock, the retry and argument wrappers, a socket write per command — more than the whole
reference route's GET. A worker needs none of it. Redis answers the commands of one connection in the
order they were sent, so every command is appended to one buffer, the buffer is written once per turn
of the event loop (the commands of every request in flight in one write: automatic pipelining), and
the replies, parsed by hiredis, resolve the callers' futures in that order. The commands of one call
(:meth:`PipelinedRedis.execute_many`) are encoded before anything is queued and written contiguously,
so a ``MULTI`` … ``EXEC`` block stays one, and a call that can't be encoded changes nothing.

The connection is shared, so a call may not change its state for the others: ``SELECT``, ``AUTH``,
``SUBSCRIBE`` and the like are refused, and a ``MULTI`` must be closed by ``EXEC`` or ``DISCARD`` in the
same call (:class:`RedisCommandError`, nothing sent).

Failure: a connection that fails, answers what nobody asked, answers ``READONLY``/``MASTERDOWN`` (a
primary demoted by a failover: the next connection finds the new one), or has left its oldest command
unanswered for ``timeout`` seconds is closed, and every command waiting on it fails with
:class:`RedisUnavailable`; the next command connects anew. One connect attempt at a time, shared by
every caller that needs it and bounded by ``connect_timeout``: an unreachable Redis costs each waiting
request one timeout, not one each in turn. Nothing is retried here: a ``SET NX`` or ``INCR`` whose
reply was lost may have been applied, so the caller decides (the store reports itself unavailable).
A reply that is a Redis error (``WRONGTYPE`` …) raises :class:`RedisCommandError`.

URLs: ``redis://[[user]:password@]host[:port][/db]``; ``rediss://`` (TLS, verified against the system's
certificate authorities, or ``?ssl_ca_certs=<file>``; ``?ssl_cert_reqs=none`` turns verification off);
``unix:///path?db=N&password=…``. Any other query parameter is refused at start-up.
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

# Commands that would change the shared connection's state for every other caller.
_REFUSED = frozenset(
    {b"SELECT", b"AUTH", b"HELLO", b"RESET", b"QUIT", b"CLIENT", b"MONITOR", b"WATCH", b"UNWATCH"}
    | {b"SUBSCRIBE", b"PSUBSCRIBE", b"SSUBSCRIBE", b"UNSUBSCRIBE", b"PUNSUBSCRIBE", b"SUNSUBSCRIBE"}
)
_TRANSACTION = frozenset({b"MULTI", b"EXEC", b"DISCARD"})
# Error replies that mean this server can no longer take writes: reconnect (failover).
_GONE = ("READONLY", "MASTERDOWN")
_QUERY_KEYS = frozenset({"db", "password", "ssl_ca_certs", "ssl_cert_reqs"})


class RedisUnavailable(Exception):
    """The connection could not be made, failed, or timed out: a command's outcome is unknown."""


class RedisCommandError(Exception):
    """A command was refused — by Redis (an error reply) or before sending (an argument that can't be
    sent, a command the shared connection doesn't allow): it did nothing."""


@dataclass(frozen=True, slots=True)
class Endpoint:
    host: str = "127.0.0.1"
    port: int = 6379
    path: str | None = None  # a unix socket
    tls: bool = False
    verify: bool = True
    ca_file: str | None = None
    username: str | None = None
    password: str | None = None
    db: int = 0

    @classmethod
    def from_url(cls, url: str) -> Endpoint:
        parts = urlsplit(url)
        query = {name: values[-1] for name, values in parse_qs(parts.query).items()}
        if unknown := sorted(set(query) - _QUERY_KEYS):
            raise ValueError(f"Redis URL parameters not understood: {', '.join(unknown)}")
        if parts.scheme == "unix":
            db_text = query.get("db", "")
        elif parts.scheme in ("redis", "rediss"):
            db_text = query.get("db", "") or parts.path.lstrip("/")
        else:
            raise ValueError(f"not a Redis URL (redis://, rediss:// or unix://): {parts.scheme}://")
        if db_text and not db_text.isdigit():
            raise ValueError(f"the Redis database must be a number, not {db_text!r}")
        if query.get("ssl_cert_reqs", "required") not in ("required", "none"):
            raise ValueError("Redis URL ssl_cert_reqs must be 'required' or 'none'")
        host = parts.hostname or "127.0.0.1"
        try:
            host.encode("idna")
        except UnicodeError:
            raise ValueError(f"the Redis host is not a valid name: {host!r}") from None
        password = unquote(parts.password) if parts.password else query.get("password") or None
        return cls(
            host=host,
            port=parts.port or 6379,
            path=parts.path if parts.scheme == "unix" else None,
            tls=parts.scheme == "rediss",
            verify=query.get("ssl_cert_reqs", "required") == "required",
            ca_file=query.get("ssl_ca_certs"),
            username=unquote(parts.username) if parts.username else None,
            password=password,
            db=int(db_text or 0),
        )

    def ssl_context(self) -> ssl.SSLContext | None:
        if not self.tls:
            return None
        context = ssl.create_default_context(cafile=self.ca_file)
        if not self.verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context

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
    """One command in RESP: an array of bulk strings. Only bytes, str and int are sent (a bool, a
    float or None is a mistake, not something to guess at): TypeError or UnicodeEncodeError else."""
    out = [b"*%d\r\n" % len(args)]
    for arg in args:
        kind = type(arg)
        if kind is bytes:
            data = cast(bytes, arg)
        elif kind is str:
            data = cast(str, arg).encode()
        elif kind is int:
            data = b"%d" % cast(int, arg)
        else:
            raise TypeError(f"a Redis argument is bytes, str or int, not {kind.__name__}")
        out.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(out)


def _checked(commands: Sequence[Sequence[Arg]]) -> bytes:
    """The commands of one call, encoded, if the shared connection may carry them."""
    try:
        data = b"".join(pack(command) for command in commands)
    except (TypeError, UnicodeEncodeError) as exc:
        raise RedisCommandError(f"not sent: {exc}") from None
    names = [_name(command) for command in commands]
    if _REFUSED.intersection(names):
        raise RedisCommandError(f"not sent: {sorted(_REFUSED.intersection(names))} on a shared connection")
    if _TRANSACTION.intersection(names):
        open_ = False
        for name in names:
            if name == b"MULTI":
                if open_:
                    raise RedisCommandError("not sent: MULTI inside MULTI")
                open_ = True
            elif name in (b"EXEC", b"DISCARD"):
                if not open_:
                    raise RedisCommandError(f"not sent: {name.decode()} without MULTI")
                open_ = False
        if open_:
            raise RedisCommandError("not sent: a MULTI must end with EXEC or DISCARD in the same call")
    return data


def _name(command: Sequence[Arg]) -> bytes:
    if not command:
        raise RedisCommandError("not sent: an empty command")
    first = command[0]
    return (first if isinstance(first, bytes) else str(first).encode()).upper()


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

    def send(self, data: bytes, count: int) -> asyncio.Future[Any]:
        """Queue ``data``, ``count`` encoded commands (written together, after every command queued
        before), and return the future of their replies, a list in order."""
        if self.closed:
            raise RedisUnavailable("the Redis connection is closed")
        future: asyncio.Future[Any] = self._loop.create_future()
        deadline = self._loop.time() + self._timeout
        self._waiting.append(_Waiter(future, count, deadline))
        self._outgoing.append(data)
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
        try:
            self._transport.write(data)
        except Exception as exc:  # noqa: BLE001 - whatever the transport raises, the waiters must learn
            self.fail(RedisUnavailable(f"writing to Redis failed: {type(exc).__name__}: {exc}"))

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
        self._ssl = self.endpoint.ssl_context()
        self._timeout = timeout
        self._connect_timeout = connect_timeout
        self._connection: _Connection | None = None
        self._attempt: asyncio.Task[_Connection] | None = None

    async def execute(self, *args: Arg) -> Any:
        """One command's reply (bytes, int, None or a list), or :class:`RedisCommandError`."""
        (reply,) = await self.execute_many((args,))
        return reply

    async def execute_many(self, commands: Sequence[Sequence[Arg]]) -> list[Any]:
        """The replies of ``commands``, written together in one go; :class:`RedisCommandError` if
        any of them (or any part of an ``EXEC``'s reply) is an error reply, or if they can't be sent."""
        if not commands:
            return []
        data = _checked(commands)  # before anything is queued: a bad call changes nothing
        connection = self._connection
        if connection is None or connection.closed or connection.loop is not asyncio.get_running_loop():
            connection = await self._connect()
        replies: list[Any] = await connection.send(data, len(commands))
        for reply in replies:
            error = _error_in(reply)
            if error is not None:
                if error.startswith(_GONE):
                    connection.fail(RedisUnavailable(f"Redis can't take writes: {error}"))
                    raise RedisUnavailable(f"Redis can't take writes: {error}")
                raise RedisCommandError(error)
        return replies

    async def close(self) -> None:
        attempt, self._attempt = self._attempt, None
        if attempt is not None and not attempt.done():
            attempt.cancel()
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.fail(RedisUnavailable("the Redis client was closed"))

    async def _connect(self) -> _Connection:
        """The connection, made by one attempt every caller in need shares (and its failure)."""
        loop = asyncio.get_running_loop()
        attempt = self._attempt
        if attempt is None or attempt.done() or attempt.get_loop() is not loop:
            # (A connection or attempt of another loop is dropped as it is: that loop is gone.)
            attempt = self._attempt = loop.create_task(self._attempt_to_connect())
            attempt.add_done_callback(_retrieved)
        return await asyncio.shield(attempt)  # a caller giving up doesn't end the others' attempt

    async def _attempt_to_connect(self) -> _Connection:
        try:
            connection = await asyncio.wait_for(self._open(), self._connect_timeout)
        except RedisUnavailable:
            raise
        except Exception as exc:  # refused, unreachable, a bad name, TLS: all "unavailable"
            raise RedisUnavailable(f"can't connect to Redis: {type(exc).__name__}: {exc}") from exc
        self._connection = connection
        return connection

    async def _open(self) -> _Connection:
        loop = asyncio.get_running_loop()
        endpoint = self.endpoint

        def protocol() -> _Connection:
            return _Connection(loop, self._timeout)

        if endpoint.path is not None:
            _, connection = await loop.create_unix_connection(protocol, endpoint.path)
        else:
            _, connection = await loop.create_connection(
                protocol, endpoint.host, endpoint.port, ssl=self._ssl
            )
        handshake = endpoint.handshake()
        try:
            if handshake:
                for reply in await connection.send(b"".join(map(pack, handshake)), len(handshake)):
                    if (error := _error_in(reply)) is not None:
                        raise RedisUnavailable(f"Redis refused AUTH or SELECT: {error}")
        except BaseException:
            connection.fail(RedisUnavailable("the connection's handshake did not complete"))
            raise
        return connection


def _error_in(reply: Any) -> str | None:
    if isinstance(reply, hiredis.ReplyError):
        return str(reply)
    if isinstance(reply, list):
        for part in reply:
            if isinstance(part, hiredis.ReplyError):
                return str(part)
    return None


def _retrieved(attempt: asyncio.Task[_Connection]) -> None:
    """Mark a failed attempt's error seen even if every caller waiting on it gave up."""
    if not attempt.cancelled():
        attempt.exception()
