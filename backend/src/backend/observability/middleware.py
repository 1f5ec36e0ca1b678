"""The outermost ASGI layer: request id, metrics and the access log for every HTTP request, the body
read deadline (and the lingering read of a body answered before it arrived) and a neutral ``server``
header.

It wraps Litestar's whole ASGI handler (not a route middleware), so unrouted 404s and errors raised
before routing are counted and carry a request id too. Plain ASGI costs ~1 µs; Litestar's stock
LoggingMiddleware costs ~70 µs a request here (research/perf.md b-4), which is why it isn't used.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import os
import time
from typing import TYPE_CHECKING

from litestar.enums import ScopeType
from litestar.exceptions import ClientException

from backend.base32 import base32_80
from backend.observability.logs import request_id_var

if TYPE_CHECKING:
    from litestar.types import ASGIApp, Message, Receive, ReceiveMessage, Scope, Send

    from backend.observability.metrics import Metrics
    from backend.settings import LogSettings

access_log = logging.getLogger("backend.access")

_HEADER = b"x-request-id"
_FORWARDED_FOR = b"x-forwarded-for"
_BODY_HEADERS = frozenset({b"content-length", b"transfer-encoding"})
# Granian names itself ("server: granian") unless the app sends its own; a version-free name of ours
# tells a scanner nothing about the software under it.
_SERVER = (b"server", b"suqian")
_ALLOWED = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:")


def _accepted_request_id(value: bytes) -> str | None:
    # A caller's id is echoed into our logs and headers, so only a short, plain token is accepted.
    if 0 < len(value) <= 128 and all(b in _ALLOWED for b in value):
        return value.decode()
    return None


def forwarded_client(
    peer: str, forwarded_for: bytes, trusted: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]
) -> str:
    """The client address behind trusted proxies: walk X-Forwarded-For from the right (the hop our
    proxy appended) and stop at the first address that isn't one of our proxies. Anything left of it
    was written by the client and can be forged, so it is never believed."""
    if not _is_trusted(peer, trusted):
        return peer
    client = peer
    for hop in reversed(forwarded_for.decode("latin-1").split(",")):
        hop = hop.strip()
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            break
        client = hop
        if not _is_trusted(hop, trusted):
            break
    return client


def _is_trusted(address: str, trusted: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in trusted)


def new_request_id() -> str:
    """16 characters, 80 random bits, in base32's alphabet (a-z, 2-7). Hex ids held eleven decimal
    digits in a row often enough (about 1 in 2,000) to look like a mobile number, and the log scrub
    masked them: the log line's request id no longer matched the one the client was given. With no
    0, 1, 8 or 9 an id can't look like a phone number (nor, at 16 characters, an ID number)."""
    return base32_80(os.urandom(10))


class BodyReadTimeout(ClientException):
    """The client did not send the whole body within ``HttpSettings.body_read_timeout``: answered 408
    ``request.timeout`` (``backend.problems``), never a 500."""

    status_code = 408


class BodyReceive:
    """``receive`` that raises ``BodyReadTimeout`` unless the whole body has arrived ``timeout`` seconds
    after the app first asked for it. One deadline for the whole body, not one per chunk: a client
    trickling a byte a second would renew a per-chunk timer forever. Once the body is complete,
    receive waits unbounded again (for ``http.disconnect``)."""

    __slots__ = ("_deadline", "_receive", "_timeout", "complete")

    def __init__(self, receive: Receive, *, timeout: float) -> None:
        self._receive = receive
        self._timeout = timeout
        self._deadline: float | None = None
        self.complete = False

    async def __call__(self) -> ReceiveMessage:
        if self.complete:
            return await self._receive()
        if self._deadline is None:
            self._deadline = asyncio.get_running_loop().time() + self._timeout
        try:
            async with asyncio.timeout_at(self._deadline):
                message = await self._receive()
        except TimeoutError:
            raise BodyReadTimeout(
                detail=f"The request body did not arrive within {self._timeout:g} s"
            ) from None
        if message["type"] != "http.request" or not message.get("more_body", False):
            self.complete = True
        return message

    async def drain(self, limit: int) -> None:
        """Read and drop what is left of a body the app answered without reading (a 413, a 401 before
        the body), at most ``limit`` bytes and within the body deadline. A server that closes with a
        body still arriving makes the client's TCP stack reset the connection, and a reset may
        discard the answer before the client reads it (RFC 9112 §9.6): a phone sending 2 MB would see
        "connection reset", not our 413. Granian closes at once; this is the lingering close."""
        try:
            while not self.complete and limit > 0:
                message = await self()
                if message["type"] == "http.request":
                    limit -= len(message.get("body", b""))
        except BodyReadTimeout:
            return


class RequestContextMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        metrics: Metrics,
        log: LogSettings,
        trusted_proxies: tuple[str, ...] = (),
        body_read_timeout: float,
        body_linger_bytes: int = 0,
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.access = log.access
        self.slow_seconds = log.slow_request_ms / 1000
        self.trusted = tuple(ipaddress.ip_network(p, strict=False) for p in trusted_proxies)
        self.body_read_timeout = body_read_timeout
        self.body_linger_bytes = body_linger_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        request_id = None
        forwarded_for = None
        has_body = False
        for name, value in scope["headers"]:
            if name == _HEADER:
                request_id = _accepted_request_id(value)
            elif name == _FORWARDED_FOR:
                forwarded_for = value
            elif name in _BODY_HEADERS:
                has_body = has_body or value != b"0"
        if self.trusted and forwarded_for and scope.get("client"):
            peer, port = scope["client"]  # type: ignore[misc]
            scope["client"] = (forwarded_client(peer, forwarded_for, self.trusted), port)
        if request_id is None:
            request_id = new_request_id()
        token = request_id_var.set(request_id)
        status = 500
        header = (_HEADER, request_id.encode())

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), header, _SERVER]
            await send(message)

        started = time.perf_counter()
        body = BodyReceive(receive, timeout=self.body_read_timeout)
        try:
            await self.app(scope, body, send_with_id)
            if has_body and not body.complete and self.body_linger_bytes:
                await body.drain(self.body_linger_bytes)
        finally:
            elapsed = time.perf_counter() - started
            route = scope.get("path_template") or "<unmatched>"
            self.metrics.observe(scope["method"], route, status, elapsed)
            if self.access == "all" or (
                self.access == "errors" and (status >= 400 or elapsed >= self.slow_seconds)
            ):
                access_log.info(
                    "%s %s %d",
                    scope["method"],
                    route,
                    status,
                    extra={
                        "status": status,
                        "duration_ms": round(elapsed * 1000, 2),
                        "path": scope["path"],
                    },
                )
            request_id_var.reset(token)
