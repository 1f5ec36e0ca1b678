"""Early answers: a refusal a feature gives before routing, when it is sure the route would give the
same one, for a hot path where the framework's own refusal costs more than the request is worth.

One exists today: a flash sale's losers at a sold-out slot (``backend.tourism.controller.early``).
Tens of thousands of buyers a second tap "buy" on a slot with no place left; through Litestar each
refusal costs ~420 µs of CPU (routing, DI, the body's decode and strict check, the Redis flag read,
the exception path to problem+json: BENCHMARKS.md), and those buyers crowd out the ones who can
still buy elsewhere. Answered here it is a dict lookup, a small body decode and a cached token check.

The rules every early answer keeps (so the API is the same whichever answers):

- **Only when sure.** It answers only a request the route would refuse with the same problem: the
  same body rules (``backend.web.checked_body``: JSON, unique members, strict types), the same
  authentication (``TokenService.authenticate`` with the revocation check, the route's ``Access``).
  In any doubt — another content type, an ``Idempotency-Key`` (a retry answers its first response),
  an ``Origin`` (CORS headers are Litestar's), an acting-as token, a body over its size — it hands
  the request on untouched (the body it read is replayed) and Litestar decides.
- **Inside the request context.** It runs within ``RequestContextMiddleware`` and ``RequestLimits``:
  the request id, the access log and the metrics (under the route's own path) are the same.
- **Free for everyone else.** Any other request costs one dict lookup on (method, path).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

import msgspec
from litestar.enums import ScopeType

from backend.observability.logs import request_id_var
from backend.problems import PROBLEM_JSON, Problem

if TYPE_CHECKING:
    from litestar.types import (
        ASGIApp,
        HTTPResponseBodyEvent,
        HTTPResponseStartEvent,
        Receive,
        ReceiveMessage,
        Scope,
        Send,
    )

    from backend.errors import DomainError
    from backend.observability.metrics import Metrics

_encoder = msgspec.json.Encoder()
_PROBLEM_TYPE = PROBLEM_JSON.encode()


class EarlyRoute(Protocol):
    """One route's early answer (``Feature.early``): answer ``scope`` or pass it on to ``app``."""

    method: str
    path: str

    async def __call__(self, scope: Scope, receive: Receive, send: Send, app: ASGIApp) -> None: ...


class EarlyAnswers:
    """The ASGI layer in front of Litestar's router that hands each declared (method, path) to its
    early route."""

    def __init__(self, app: ASGIApp, routes: Sequence[EarlyRoute]) -> None:
        self.app = app
        self.routes = {(route.method, route.path): route for route in routes}
        if len(self.routes) != len(routes):
            raise ValueError("two early routes for the same method and path")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP:
            route = self.routes.get((scope["method"], scope["path"]))
            if route is not None:
                await route(scope, receive, send, self.app)
                return
        await self.app(scope, receive, send)


def headers_of(scope: Scope, names: frozenset[bytes]) -> dict[bytes, bytes]:
    """The request's header fields among ``names`` (lower-case); a field given twice is kept twice
    joined by ``,`` so a caller that wants one value sees it was not one."""
    found: dict[bytes, bytes] = {}
    for name, value in scope["headers"]:
        if name in names:
            found[name] = found[name] + b"," + value if name in found else value
    return found


async def read_body(receive: Receive, limit: int) -> tuple[bytes | None, Receive]:
    """The whole body when it is at most ``limit`` bytes (else None), and a ``receive`` that hands
    the framework every message read here again, then the connection's own."""
    messages: list[ReceiveMessage] = []
    chunks: list[bytes] = []
    size = 0
    body: bytes | None = None
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            break
        chunks.append(chunk)
        if not message.get("more_body", False):
            body = b"".join(chunks)
            break
    return body, _replaying(messages, receive)


def _replaying(messages: list[ReceiveMessage], receive: Receive) -> Receive:
    pending = list(reversed(messages))

    async def replay() -> ReceiveMessage:
        if pending:
            return pending.pop()
        return await receive()

    return replay


async def send_problem(scope: Scope, send: Send, error: DomainError, *, path: str, metrics: Metrics) -> None:
    """``error`` as the route's exception handler answers it (``backend.problems``), counted and
    logged under the route's ``path``."""
    scope["path_template"] = path  # the metrics' and the access log's label
    metrics.count_problem(error.code)
    extra = dict(error.extra) or None
    body = _encoder.encode(
        Problem(
            type=f"urn:suqian:problem:{error.code}",
            title=error.title,
            status=error.status,
            code=error.code,
            detail=error.detail,
            instance=scope["path"],
            request_id=request_id_var.get(),
            extra=extra,
        )
    )
    headers = [(b"content-type", _PROBLEM_TYPE), (b"content-length", str(len(body)).encode())]
    headers += [(name.lower().encode(), value.encode()) for name, value in error.headers().items()]
    start: HTTPResponseStartEvent = {
        "type": "http.response.start",
        "status": error.status,
        "headers": headers,
    }
    await send(start)
    end: HTTPResponseBodyEvent = {"type": "http.response.body", "body": body, "more_body": False}
    await send(end)
