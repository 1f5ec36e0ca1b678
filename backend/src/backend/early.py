"""Early answers: a hot path answered before routing, by the feature's own service, when it is sure
the route would give the same answer — for requests where the framework's machinery costs more than
the work asked for.

Three exist today. A flash sale's losers at a sold-out slot (``backend.tourism.controller.early``):
tens of thousands of buyers a second tap "buy" on a slot with no place left; through Litestar each
refusal costs ~420 µs of CPU (routing, DI, the body's decode and strict check, the Redis flag read,
the exception path to problem+json: BENCHMARKS.md), and those buyers crowd out the ones who can
still buy elsewhere. And the morning rush's two (``backend.code.early``): a citizen's fresh code,
once per displayed code, and a gate's verification of one, once per person through a gate — where
Litestar's request and response objects, kwargs and guard cost as much as the signature itself.

The rules every early answer keeps (so the API is the same whichever answers):

- **Only when sure.** It answers only a request the route would take the same way: the same body
  rules (``backend.web.checked_body``: JSON, unique members, strict types), the same authentication
  (``backend.auth.guards.admitted``: the guard's checks of the route's ``Access``). In any doubt —
  another content type, a query string, an ``Idempotency-Key`` where the route takes one (a retry
  answers its first response), an ``Origin`` (CORS headers are Litestar's), an acting-as token, a
  token the guard would refuse, a body over its size — it hands the request on untouched (the body
  it read is replayed) and Litestar decides, and answers why.
- **The route's service, the route's answer.** It calls the same service method the route calls and
  answers its result with the route's status, headers and body, byte for byte (tests compare the
  two); an error the service raises is the problem the app's exception handlers would answer
  (``EarlyAnswers`` answers it with ``backend.problems.failure_of``, as they do).
- **Inside the request context.** It runs within ``RequestContextMiddleware`` and ``RequestLimits``
  (and the tracing span): the request id, the access log and the metrics (under the route's own
  path) are the same.
- **Free for everyone else.** Any other request costs one dict lookup on (method, path).
- **Tied to its route.** The app refuses to start when an early answer's (method, path) is not one
  route of the app with the same ``Access`` (``EarlyAnswers.check``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

import msgspec
from litestar.enums import ScopeType
from litestar.routes import HTTPRoute

from backend.access import ACCESS, Access, undeclared
from backend.problems import PROBLEM_JSON, failure_of
from backend.web import bearer_of, is_json_media_type

if TYPE_CHECKING:
    from litestar import Litestar
    from litestar.handlers.base import BaseRouteHandler
    from litestar.types import (
        ASGIApp,
        HTTPResponseBodyEvent,
        HTTPResponseStartEvent,
        Message,
        Receive,
        ReceiveMessage,
        Scope,
        Send,
    )

    from backend.observability.metrics import Metrics

log = logging.getLogger("backend.early")
_encoder = msgspec.json.Encoder()
_PROBLEM_TYPE = PROBLEM_JSON.encode()


class EarlyRoute(Protocol):
    """One route's early answer (``Feature.early``): answer ``scope`` or pass it on to ``app``."""

    method: str
    path: str
    # The route's own declaration (``backend.access``): the app refuses to start if they differ.
    access: Access
    # The largest body it reads itself (0: none); the app refuses to start if its own limit is lower.
    max_body: int

    async def __call__(self, scope: Scope, receive: Receive, send: Send, app: ASGIApp) -> None: ...


class EarlyAnswers:
    """The ASGI layer in front of Litestar's router that hands each declared (method, path) to its
    early route. An exception a route raises before any answer started (a service's refusal, a bug)
    is answered here as the app's exception handlers answer it (``backend.problems.failure_of``)."""

    def __init__(self, app: ASGIApp, routes: Sequence[EarlyRoute], *, metrics: Metrics) -> None:
        self.app = app
        self.routes = {(route.method, route.path): route for route in routes}
        if len(self.routes) != len(routes):
            raise ValueError("two early routes for the same method and path")
        self._metrics = metrics
        # Each route's Litestar handler, once ``check`` found it: whose declared problems an answer keeps to.
        self._handlers: dict[tuple[str, str], BaseRouteHandler] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP:
            key = (scope["method"], scope["path"])
            route = self.routes.get(key)
            if route is not None and _routed_as_is(scope):
                answer = _Started(send)
                try:
                    await route(scope, receive, answer, self.app)
                except Exception as error:
                    if answer.started:
                        raise  # an answer is on its way (the route's, or Litestar's): nothing to add
                    await self._failed(scope, send, error, route, self._handlers.get(key))
                return
        await self.app(scope, receive, send)

    async def _failed(
        self, scope: Scope, send: Send, error: Exception, route: EarlyRoute, handler: BaseRouteHandler | None
    ) -> None:
        failure = failure_of(error, method=route.method, path=route.path)
        undeclared(handler, failure.code, method=route.method, path=route.path)
        self._metrics.count_problem(failure.code)
        headers = [(name.lower().encode(), value.encode()) for name, value in (failure.headers or {}).items()]
        await send_answer(
            scope,
            send,
            _encoder.encode(failure.problem(scope["path"])),
            path=route.path,
            status=failure.status,
            media_type=_PROBLEM_TYPE,
            headers=headers,
        )

    def check(self, app: Litestar) -> None:
        """Refuse to start when an early route answers for a path and method the app does not serve,
        or serves with another access declaration: a rename or a change of who may call the route
        must not leave an early answer speaking for it. A route that reads larger bodies than the
        app takes (``HttpSettings.max_body_bytes`` set very low) is switched off, with a warning."""
        limit = app.request_max_body_size
        for (method, path), route in list(self.routes.items()):
            handlers = [
                handler
                for served in app.routes
                if isinstance(served, HTTPRoute) and served.path == path
                for handler in served.route_handlers
                if method in handler.http_methods
            ]
            if len(handlers) != 1 or handlers[0].opt.get(ACCESS) != route.access:
                raise RuntimeError(f"early route {method} {path}: no route of the app with its access")
            if isinstance(limit, int) and route.max_body > limit:
                # It would answer bodies the app refuses (413): every request goes to the route instead.
                log.warning(
                    "early route %s %s is off: it reads bodies up to %d bytes, the app takes %d",
                    method,
                    path,
                    route.max_body,
                    limit,
                )
                del self.routes[(method, path)]
                continue
            self._handlers[(method, path)] = handlers[0]


class _Started:
    """``send`` that remembers whether an answer began."""

    __slots__ = ("_send", "started")

    def __init__(self, send: Send) -> None:
        self._send = send
        self.started = False

    async def __call__(self, message: Message) -> None:
        self.started = True
        await self._send(message)


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


def json_bearer(scope: Scope, headers: dict[bytes, bytes], *, max_body: int) -> str | None:
    """The bearer token of a JSON request an early route may take as it stands (``headers`` from
    ``headers_of``, holding at least authorization, origin, content-type and content-length): no query
    string, no ``Origin``, a ``Content-Length`` of at most ``max_body`` and a JSON media type. None for
    anything else: the route's."""
    token = bearer_of(headers.get(b"authorization", b"").decode("latin-1"))
    content_type = headers.get(b"content-type", b"")
    if (
        token is None
        or scope["query_string"]
        or b"origin" in headers
        or not length_within(headers.get(b"content-length", b""), max_body)
        # Given twice (``headers_of`` joins them with ","), the framework reads the first: the route's.
        or b"," in content_type
        or not is_json_media_type(content_type.partition(b";")[0].strip().lower().decode("latin-1"))
    ):
        return None
    return token


def length_within(content_length: bytes, limit: int) -> bool:
    """A ``Content-Length`` of plain digits, no longer than ``limit`` is written, naming at most
    ``limit`` bytes. A longer one (zeros in front: the framework can't read a number of thousands of
    digits and refuses it) is left to the route."""
    return (
        content_length.isdigit() and len(content_length) <= len(str(limit)) and int(content_length) <= limit
    )


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


async def send_answer(
    scope: Scope,
    send: Send,
    body: bytes,
    *,
    path: str,
    status: int = 200,
    media_type: bytes = b"application/json",
    headers: Sequence[tuple[bytes, bytes]] = (),
) -> None:
    """``body`` as the whole answer, its headers in the order Litestar sends a route's (content
    type and length, then the route's own), counted and logged under the route's ``path``."""
    scope["path_template"] = path  # the metrics' and the access log's label
    start: HTTPResponseStartEvent = {
        "type": "http.response.start",
        "status": status,
        "headers": [(b"content-type", media_type), (b"content-length", str(len(body)).encode()), *headers],
    }
    await send(start)
    end: HTTPResponseBodyEvent = {"type": "http.response.body", "body": body, "more_body": False}
    await send(end)
