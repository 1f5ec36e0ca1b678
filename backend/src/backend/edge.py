"""What a request must be before any handler reads it: bounded, and spelt one way.

Two layers, each written once for every route, present and future:

- ``RequestLimits`` (ASGI, before routing): the request line and the headers are bounded. Granian
  buffers up to ~400 KiB of headers per request and Litestar parses whatever it is handed, so without
  this a client could make every worker hold and walk a megabyte of headers per request, and a
  60,000-character query string would reach the routes. The limits are the common servers' own
  (nginx reads an 8 KiB request line, Node 16 KiB of headers, Apache and hyper 100 fields); a
  refusal is 414 ``request.uri_too_long`` or 431 ``request.headers_too_large``, problem+json like
  every other error.
- ``canonical_parameters`` (Litestar middleware, after routing, before guards): a typed path
  parameter must be written the way the API writes it, and a single-valued query parameter may come
  once. Litestar parses ``{id:uuid}`` with ``uuid.UUID`` and ``{n:int}`` with ``int``, which take
  Arabic-Indic and full-width digits, braces, ``urn:uuid:``, ``+``, ``_`` and padding: one object
  would have many paths, and a cache, a WAF rule or a per-id limit keyed on the path would see
  strangers. Such a path names nothing here (404 ``request.not_found``). A query parameter given
  twice is refused (400 ``request.invalid``) for the reason a JSON member given twice is
  (``backend.web``): Litestar reads the first, a proxy may read the last.
"""

from __future__ import annotations

import re
import uuid
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

import msgspec
from litestar.enums import ScopeType
from litestar.exceptions import NotFoundException, ValidationException

from backend.observability.logs import request_id_var
from backend.problem_codes import REQUEST_HEADERS_TOO_LARGE, REQUEST_URI_TOO_LONG, ProblemCode
from backend.problems import PROBLEM_JSON, Problem

if TYPE_CHECKING:
    from litestar.types import ASGIApp, HTTPResponseBodyEvent, HTTPResponseStartEvent, Receive, Scope, Send

    from backend.observability.metrics import Metrics
    from backend.settings import HttpSettings

_encoder = msgspec.json.Encoder()


class RequestLimits:
    """Refuses, before routing, a request line or headers over ``HttpSettings``' limits."""

    def __init__(self, app: ASGIApp, *, http: HttpSettings, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics
        self.max_target = http.max_target_bytes
        self.max_header_bytes = http.max_header_bytes
        self.max_header_count = http.max_header_count

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP:
            refused = self._refusal(scope)
            if refused is not None:
                await self._answer(scope, send, *refused)
                return
        await self.app(scope, receive, send)

    def _refusal(self, scope: Scope) -> tuple[ProblemCode, str] | None:
        raw_path = scope.get("raw_path") or scope["path"].encode()
        if len(raw_path) + len(scope.get("query_string", b"")) > self.max_target:
            return REQUEST_URI_TOO_LONG, f"The path and query may take {self.max_target} bytes"
        count = size = 0
        for name, value in scope["headers"]:
            count += 1
            size += len(name) + len(value)
        if count > self.max_header_count:
            return REQUEST_HEADERS_TOO_LARGE, f"A request may carry {self.max_header_count} header fields"
        if size > self.max_header_bytes:
            return REQUEST_HEADERS_TOO_LARGE, f"The header fields may take {self.max_header_bytes} bytes"
        return None

    async def _answer(self, scope: Scope, send: Send, problem: ProblemCode, detail: str) -> None:
        self.metrics.count_problem(problem.code)
        body = _encoder.encode(
            Problem(
                type=f"urn:suqian:problem:{problem.code}",
                title=problem.title,
                status=problem.status,
                code=problem.code,
                detail=detail,
                instance=scope["path"][:256],
                request_id=request_id_var.get(),
            )
        )
        start: HTTPResponseStartEvent = {
            "type": "http.response.start",
            "status": problem.status,
            # The connection ends after this answer; a body still arriving is read to its end first,
            # so the client sees the answer (``observability.middleware.BodyReceive.drain``).
            "headers": [
                (b"content-type", PROBLEM_JSON.encode()),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
        await send(start)
        end: HTTPResponseBodyEvent = {"type": "http.response.body", "body": body, "more_body": False}
        await send(end)


# The spelling the API itself writes; UUIDs in either case (RFC 9562 §4: input is case-insensitive).
_CANONICAL: dict[Any, re.Pattern[str]] = {
    uuid.UUID: re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"),
    int: re.compile(r"-?[0-9]+"),
    float: re.compile(r"-?[0-9]+(?:\.[0-9]+)?"),
    Decimal: re.compile(r"-?[0-9]+(?:\.[0-9]+)?"),
}


def _typed_segments(template: str, values: dict[str, Any]) -> list[tuple[int, re.Pattern[str]]]:
    """``(segment index, canonical form)`` for each parameter of ``template`` (Litestar's, untyped:
    ``/scanners/{device_id}``) whose parsed value (``values``) is of a type with one spelling."""
    found = []
    for index, segment in enumerate(template.split("/")):
        if segment.startswith("{") and segment.endswith("}"):
            pattern = _CANONICAL.get(type(values.get(segment[1:-1])))
            if pattern is not None:
                found.append((index, pattern))
    return found


def _single_valued(handler: Any, path_params: dict[str, Any]) -> frozenset[str]:
    model = handler.create_kwargs_model(path_parameters=path_params)
    return frozenset(p.field_alias for p in model.expected_query_params if not p.is_sequence)


def canonical_parameters(app: ASGIApp) -> ASGIApp:
    """Litestar middleware: refuses a non-canonical typed path parameter (404) and a single-valued
    query parameter given more than once (400), before guards and handlers run."""
    segments: dict[str, list[tuple[int, re.Pattern[str]]]] = {}
    single: dict[int, frozenset[str]] = {}

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        template = scope.get("path_template")
        if scope["type"] == ScopeType.HTTP and template:
            values = scope.get("path_params", {})
            typed = segments.get(template)
            if typed is None:
                typed = segments[template] = _typed_segments(template, values)
            if typed:
                parts = scope["path"].split("/")
                if any(
                    index >= len(parts) or not pattern.fullmatch(parts[index]) for index, pattern in typed
                ):
                    raise NotFoundException()
            query = scope.get("query_string", b"")
            if b"&" in query:
                handler = scope["route_handler"]
                names = single.get(id(handler))
                if names is None:
                    names = single[id(handler)] = _single_valued(handler, values)
                _refuse_repeats(query, names)
        await app(scope, receive, send)

    return middleware


def _refuse_repeats(query: bytes, names: frozenset[str]) -> None:
    seen: set[str] = set()
    for name, _ in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
        if name in names and name in seen:
            raise ValidationException(
                detail=f"The query parameter {name[:64]!r} takes one value",
                extra=[{"message": "Given more than once", "key": name[:64], "source": "query"}],
            )
        seen.add(name)
