"""``traced_transport``: one client span per attempt, the trace sent on in ``traceparent``, and no
ID number or phone number in the span's URL."""

from __future__ import annotations

import httpx
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from integrations.tracing import traced_transport

ID_NUMBER = "32130219900307002X"
PHONE = "13812345678"


async def test_each_attempt_is_a_client_span_with_the_trace_sent_on_and_the_url_masked() -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    seen: list[httpx.Request] = []

    def upstream(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"ok": True})

    transport = traced_transport(httpx.MockTransport(upstream), tracer_provider=provider)
    async with httpx.AsyncClient(transport=transport, base_url="http://registry") as client:
        tracer = provider.get_tracer("test")
        with tracer.start_as_current_span("request") as parent:
            answer = await client.get("/people", params={"id_number": ID_NUMBER, "phone": PHONE})
    assert answer.status_code == 200
    [client_span] = [s for s in exporter.get_finished_spans() if s.kind is SpanKind.CLIENT]
    assert client_span.parent is not None
    assert client_span.parent.span_id == parent.get_span_context().span_id
    sent = seen[0].headers["traceparent"]
    assert sent.split("-")[1] == f"{parent.get_span_context().trace_id:032x}"
    written = repr(dict(client_span.attributes or {}))
    assert ID_NUMBER not in written
    assert PHONE not in written
    assert "/people" in written
    assert "id_number=3213**********002X&phone=138****5678" in written
