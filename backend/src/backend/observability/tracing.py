"""OpenTelemetry traces: a request, its queries, its Redis commands and its upstream calls as one trace,
carried on through the outbox to the delivery a worker makes later.

Off by default (``TracingSettings.exporter = "off"``), and then nothing here runs: no middleware is
installed, no library is instrumented, no span is made, and an enqueued job stores no trace context.
On, the pieces are:

- the request span: ``TracingMiddleware`` (plain ASGI, inside ``RequestContextMiddleware`` so the
  span carries the request id as ``suqian.request_id``), continuing a caller's ``traceparent``;
- PostgreSQL queries: the OpenTelemetry asyncpg instrumentation, bound to our provider while the
  app's lifespan runs (``Tracing.start``/``stop``); statements are SQL with placeholders (no values);
- Redis: the store's own span per call (``RedisStore``, ``redis GET``, no keys or values), and the
  redis instrumentation for what still speaks redis-py (the queues' live pub/sub);
- upstream calls: ``integrations.tracing.traced_transport`` around each adapter's transport;
- the outbox: ``Outbox.enqueue`` stores ``current_traceparent()`` with the job, and the worker opens
  the delivery span as a child of it (``Tracing.job_span``), so the delivery joins the submission's
  trace however much later it runs.

The SDK's own provider is used, never the process-wide global one: two apps in one process (tests)
don't share spans, and the global API stays a no-op for whoever else asks it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from litestar.enums import ScopeType
from opentelemetry import trace
from opentelemetry.trace import SpanKind, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from backend.observability.logs import request_id_var
from backend.observability.tracing_settings import TracingSettings

if TYPE_CHECKING:
    from litestar.types import ASGIApp, Message, Receive, Scope, Send
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

__all__ = ["Tracing", "TracingMiddleware", "TracingSettings", "current_traceparent"]

_PROPAGATOR = TraceContextTextMapPropagator()
_TRACE_HEADERS = {b"traceparent": "traceparent", b"tracestate": "tracestate"}


def current_traceparent() -> str | None:
    """The W3C ``traceparent`` of the span running now, or None when there is none (tracing off:
    one context-variable read)."""
    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return None
    return f"00-{context.trace_id:032x}-{context.span_id:016x}-{int(context.trace_flags):02x}"


class Tracing:
    """The app's tracer provider, built from settings; ``enabled`` is False when the exporter is off."""

    def __init__(self, settings: TracingSettings) -> None:
        self.settings = settings
        # The spans themselves, for tests (exporter "memory").
        self.memory: InMemorySpanExporter | None = None
        self.provider: TracerProvider | None = None
        self.tracer: trace.Tracer | None = None
        self._instrumentors: list[Any] = []
        if settings.exporter == "off":
            return
        # The SDK is imported only when tracing is on: a process with it off never loads it.
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
        from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
        from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased

        provider = TracerProvider(
            resource=Resource.create({"service.name": settings.service_name}),
            sampler=ParentBased(TraceIdRatioBased(settings.sample_ratio)),
        )
        if settings.exporter == "memory":
            self.memory = InMemorySpanExporter()
            provider.add_span_processor(SimpleSpanProcessor(self.memory))
        else:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=settings.otlp_endpoint)))
        self.provider = provider
        self.tracer = provider.get_tracer("backend")

    @property
    def enabled(self) -> bool:
        return self.provider is not None

    def start(self) -> None:
        """Instrument asyncpg and redis-py for this provider (process-wide patches: one traced app per
        process, which production has; a second one finds them taken and traces no queries)."""
        if self.provider is None or self._instrumentors:
            return
        from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
        from opentelemetry.instrumentation.redis import RedisInstrumentor

        for instrumentor in (AsyncPGInstrumentor(), RedisInstrumentor()):  # type: ignore[no-untyped-call]
            if not instrumentor.is_instrumented_by_opentelemetry:
                instrumentor.instrument(tracer_provider=self.provider)
                self._instrumentors.append(instrumentor)

    def stop(self) -> None:
        """Undo ``start`` and send what is still buffered."""
        for instrumentor in self._instrumentors:
            instrumentor.uninstrument()
        self._instrumentors.clear()
        if self.provider is not None:
            self.provider.force_flush()

    @contextmanager
    def job_span(self, topic: str, *, traceparent: str | None, attributes: dict[str, Any]) -> Iterator[None]:
        """The span of one outbox try: a child of the span that enqueued the job (its
        ``traceparent``), or a trace of its own for a job enqueued without one."""
        if self.tracer is None:
            yield
            return
        parent = _PROPAGATOR.extract({"traceparent": traceparent}) if traceparent else None
        with self.tracer.start_as_current_span(
            f"outbox {topic}", context=parent, kind=SpanKind.CONSUMER, attributes=attributes
        ):
            yield


class TracingMiddleware:
    """The server span of each HTTP request, named by its route template once routing has found it."""

    def __init__(self, app: ASGIApp, *, tracer: trace.Tracer) -> None:
        self.app = app
        self.tracer = tracer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        carrier = {
            _TRACE_HEADERS[name]: value.decode("latin-1")
            for name, value in scope["headers"]
            if name in _TRACE_HEADERS
        }
        parent = _PROPAGATOR.extract(carrier) if carrier else None
        method = scope["method"]
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        # The path, never the query string: a query may carry personal data.
        attributes = {"http.request.method": method, "url.path": scope["path"]}
        request_id = request_id_var.get()
        if request_id:
            attributes["suqian.request_id"] = request_id
        with self.tracer.start_as_current_span(
            method, context=parent, kind=SpanKind.SERVER, attributes=attributes
        ) as span:
            try:
                await self.app(scope, receive, send_status)
            finally:
                route = scope.get("path_template")
                if route:
                    span.update_name(f"{method} {route}")
                    span.set_attribute("http.route", route)
                span.set_attribute("http.response.status_code", status)
                if status >= 500:
                    span.set_status(StatusCode.ERROR)
