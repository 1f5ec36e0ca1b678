"""OpenTelemetry client spans for upstream calls, when the caller traces.

:func:`traced_transport` wraps the transport an adapter would use in one that opens a client span
for each HTTP attempt and sends the W3C ``traceparent`` header, so the upstream's own trace (and our
sandbox twins' logs) join the caller's. The caller passes the result as the adapter's
``transport=``; without it nothing here runs and an adapter costs what it did.

The span's URL passes through :func:`integrations.masking.redact`: a query string may carry an ID
number or a phone number, and a trace store is no place for them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx

from integrations.masking import redact

if TYPE_CHECKING:
    from opentelemetry.instrumentation.httpx import RequestInfo
    from opentelemetry.trace import Span

__all__ = ["traced_transport"]

# The attribute names the instrumentation writes the URL under (stable and older conventions).
_URL_ATTRIBUTES = ("url.full", "http.url")


async def _redact_url(span: Span, request: RequestInfo) -> None:
    if span.is_recording():
        url = redact(str(request.url))
        for name in _URL_ATTRIBUTES:
            span.set_attribute(name, url)


def traced_transport(
    transport: httpx.AsyncBaseTransport | None, *, tracer_provider: Any, max_connections: int = 20
) -> httpx.AsyncBaseTransport:
    """``transport`` (or, when None, the default network transport with ``max_connections``: a
    transport given to httpx replaces its pool limits) with a client span around each attempt.
    ``tracer_provider`` is an OpenTelemetry SDK ``TracerProvider``."""
    # Imported here: a quarter of a second at start-up that a process with tracing off never pays.
    from opentelemetry.instrumentation.httpx import AsyncOpenTelemetryTransport

    inner = transport or httpx.AsyncHTTPTransport(
        limits=httpx.Limits(max_connections=max_connections), trust_env=False
    )
    return AsyncOpenTelemetryTransport(inner, tracer_provider=tracer_provider, request_hook=_redact_url)
