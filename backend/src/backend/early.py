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

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

import msgspec
from litestar.enums import ScopeType
from litestar.routes import HTTPRoute

from backend.access import ACCESS, Access
from backend.observability.logs import request_id_var
from backend.problems import PROBLEM_JSON, Problem

if TYPE_CHECKING:
    from litestar import Litestar
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
    # The route's own declaration (``backend.access``): the app refuses to start if they differ.
    access: Access

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
            if route is not None and _routed_as_is(scope):
                await route(scope, receive, send, self.app)
                return
        await self.app(scope, receive, send)

    def check(self, app: Litestar) -> None:
        """Refuse to start when an early route answers for a path and method the app does not serve,
        or serves with another access declaration: a rename or a change of who may call the route
        must not leave an early answer speaking for it."""
        for (method, path), route in self.routes.items():
            handlers = [
                handler
                for served in app.routes
                if isinstance(served, HTTPRoute) and served.path == path
                for handler in served.route_handlers
                if method in handler.http_methods
            ]
            if len(handlers) != 1 or handlers[0].opt.get(ACCESS) != route.access:
                raise RuntimeError(f"early route {method} {path}: no route of the app with its access")


# Litestar's own Host check (``litestar._asgi.utils``), which its router applies before routing: a
# request it would refuse (400) is left to it.
_VALID_HOST = re.compile(rb"\A[0-9A-Za-z!$&'()*+,;=\-._~:\[\]@%]*\Z", re.IGNORECASE)


def _routed_as_is(scope: Scope) -> bool:
    """Would Litestar route this request by its path as it stands? Not under a ``root_path`` (the
    router strips it first), nor with a Host header its router refuses."""
    if scope.get("root_path"):
        return False
    host = next((value for name, value in scope["headers"] if name == b"host"), None)
    return host is None or _VALID_HOST.match(host) is not None


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
        try:
            message = await receive()
        except Exception as error:  # noqa: BLE001 (a body too slow, a hang-up: the framework answers it)
            return None, _replaying(messages, receive, then=error)
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


def _replaying(messages: list[ReceiveMessage], receive: Receive, *, then: Exception | None = None) -> Receive:
    """What was read, again, then the connection's own ``receive`` — or, when reading failed, the
    same failure once more (the framework's exception handling answers it as the route would)."""
    pending = list(reversed(messages))
    failure = [then] if then is not None else []

    async def replay() -> ReceiveMessage:
        if pending:
            return pending.pop()
        if failure:
            raise failure.pop()
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
