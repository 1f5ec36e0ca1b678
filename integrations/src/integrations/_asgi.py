"""A tiny ASGI micro-router for the sandbox twins (libraries may not import a framework).

Routes are ``METHOD /path/{param}``; handlers take a :class:`Request` and return a
:class:`Response`. Bodies are JSON via msgspec. A handler signals an expected failure by
raising :class:`HttpError`, which becomes ``{"code": ..., "message": ...}``; anything else
becomes a 500 with code ``internal_error`` (never an exception out of the app, so an
in-process ``httpx.ASGITransport`` client only ever sees HTTP).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import parse_qsl

import msgspec

T = TypeVar("T")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_log = logging.getLogger("integrations.sandbox")
_PARAM = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


class HttpError(Exception):
    """An expected failure answer: ``status`` with a machine ``code``."""

    def __init__(
        self, status: int, code: str, message: str = "", headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(f"{status} {code}")
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


@dataclass(slots=True)
class Request:
    method: str
    path: str
    target: str  # raw path + query string, as a signer saw it
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes
    path_params: dict[str, str] = field(default_factory=dict)

    def json(self, type_: type[T]) -> T:
        """Decode the body into ``type_``; a bad body answers 400 ``invalid_request``."""
        try:
            return msgspec.json.decode(self.body, type=type_)
        except msgspec.DecodeError as exc:
            raise HttpError(400, "invalid_request", str(exc)) from None


@dataclass(slots=True)
class Response:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """``data`` (Structs, dicts, lists...) encoded as JSON."""
    return Response(
        status=status,
        body=msgspec.json.encode(data),
        headers={"content-type": "application/json", **(headers or {})},
    )


def error_response(status: int, code: str, message: str = "") -> Response:
    return json_response({"code": code, "message": message}, status=status)


Handler = Callable[[Request], Awaitable[Response]]
# A guard runs before API handlers; returning a Response short-circuits the handler.
Guard = Callable[[Request], Awaitable[Response | None]]


@dataclass(slots=True)
class _Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    guarded: bool


class Router:
    """Routes requests to handlers; ``control`` routes skip the guards (faults, signing)."""

    def __init__(self) -> None:
        self._routes: list[_Route] = []
        self.guards: list[Guard] = []

    def add(self, method: str, path: str, handler: Handler, *, control: bool = False) -> None:
        regex = "^" + _PARAM.sub(r"(?P<\1>[^/]+)", path) + "$"
        self._routes.append(_Route(method.upper(), re.compile(regex), handler, not control))

    def route(self, method: str, path: str, *, control: bool = False) -> Callable[[Handler], Handler]:
        """Decorator form of :meth:`add`."""

        def register(handler: Handler) -> Handler:
            self.add(method, path, handler, control=control)
            return handler

        return register

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        request = await _read_request(scope, receive)
        await send_response(send, await self._dispatch(request))

    async def _dispatch(self, request: Request) -> Response:
        allowed = False
        for route in self._routes:
            match = route.pattern.match(request.path)
            if match is None:
                continue
            allowed = True
            if route.method != request.method:
                continue
            request.path_params = match.groupdict()
            try:
                if route.guarded:
                    for guard in self.guards:
                        early = await guard(request)
                        if early is not None:
                            return early
                return await route.handler(request)
            except HttpError as exc:
                response = error_response(exc.status, exc.code, exc.message)
                response.headers.update(exc.headers)
                return response
            except Exception:  # noqa: BLE001 - a twin bug must still answer HTTP
                _log.exception("sandbox handler failed: %s %s", request.method, request.path)
                return error_response(500, "internal_error")
        if allowed:
            return error_response(405, "method_not_allowed")
        return error_response(404, "not_found", request.path)


async def _read_request(scope: Scope, receive: Receive) -> Request:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
    query_string: bytes = scope.get("query_string", b"")
    target = raw_path.decode("latin-1")
    if query_string:
        target += "?" + query_string.decode("latin-1")
    return Request(
        method=scope["method"].upper(),
        path=scope["path"],
        target=target,
        query=dict(parse_qsl(query_string.decode("latin-1"))),
        headers={k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]},
        body=b"".join(chunks),
    )


async def send_response(send: Send, response: Response) -> None:
    """Send ``response`` as the two ASGI HTTP messages."""
    await send(
        {
            "type": "http.response.start",
            "status": response.status,
            "headers": [(k.encode(), v.encode()) for k, v in response.headers.items()],
        }
    )
    await send({"type": "http.response.body", "body": response.body})


async def lifespan(receive: Receive, send: Send) -> None:
    """Answer the ASGI lifespan protocol: twins need no start-up or shutdown work."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
