"""Traces on PostgreSQL and Redis with the in-memory exporter: one application submission is one trace
— the request (carrying its request id), its queries and Redis commands, and, later in a worker, the
outbox delivery and its call to the department twin — and nothing personal is written into a span.
Tracing off installs nothing and stores no trace context with a job."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import SpanKind
from piccolo.querystring import QueryString

from backend.app import FEATURES, create_app
from backend.application.service import DELIVER, deliver_key
from backend.clock import SystemClock
from backend.observability.tracing import Tracing, TracingMiddleware, TracingSettings
from backend.outbox.feature import handlers
from backend.outbox.repository import OutboxRepository
from backend.outbox.service import Outbox
from backend.outbox.worker import OutboxWorker
from backend.settings import Settings
from backend.wiring import Wiring
from tests.backend.application.conftest import FAST, cases_twin
from tests.backend.application.test_lifecycle import draft, residence_form
from tests.backend.licence.factories import holder
from tests.conftest import http_client
from tests.services import Services


def _spans_of(spans: tuple[ReadableSpan, ...], trace_id: int) -> list[ReadableSpan]:
    return [s for s in spans if s.context is not None and s.context.trace_id == trace_id]


async def test_one_submission_is_one_trace_from_the_request_to_the_department_twin(
    settings: Settings, services: Services
) -> None:
    traced = msgspec.structs.replace(settings, tracing=TracingSettings(exporter="memory"))
    # Its own infrastructure (tracer, store, sandbox) over the session's engine and database.
    wiring = Wiring(traced, FEATURES, engine=services.engine)
    app = create_app(traced, wiring=wiring)
    memory = wiring.infra.tracing.memory
    assert memory is not None
    async with wiring.lifespan(), http_client(app) as web:
        citizen = await holder(web, "JMSFZ")
        application_id = await draft(web, citizen)
        path = f"/api/v1/applications/{application_id}"
        saved = await web.put(
            f"{path}/data", json={"data": residence_form(citizen.person)}, headers=citizen.headers
        )
        assert saved.status_code == 200, saved.text
        submitted = await web.post(f"{path}/submit", headers=citizen.headers)
        assert submitted.status_code == 200, submitted.text
        request_id = submitted.headers["x-request-id"]

        [request] = [
            s
            for s in memory.get_finished_spans()
            if s.name == "POST /api/v1/applications/{application_id}/submit"
        ]
        assert request.kind is SpanKind.SERVER
        assert request.attributes is not None
        assert request.attributes["suqian.request_id"] == request_id
        assert request.attributes["http.response.status_code"] == 200
        assert request.context is not None
        trace_id = request.context.trace_id

        # The job carries the submission's trace to whichever worker runs it, however much later.
        job = await wiring.get(Outbox).find(DELIVER, deliver_key(uuid.UUID(application_id)))
        assert job is not None
        worker = OutboxWorker(
            "traced worker",
            repository=OutboxRepository(services.engine),
            handlers={DELIVER: handlers(wiring)[DELIVER]},
            settings=FAST,
            clock=SystemClock(),
            cipher=wiring.infra.cipher,
            tracing=wiring.infra.tracing,
        )
        cases_before = len(cases_twin(_as_services(wiring)).cases)
        while await worker.step():
            pass
        assert len(cases_twin(_as_services(wiring)).cases) == cases_before + 1
        delivered = await wiring.get(Outbox).find(DELIVER, deliver_key(uuid.UUID(application_id)))
        assert delivered is not None
        assert delivered.state == "done"

    spans = _spans_of(memory.get_finished_spans(), trace_id)
    by_id = {s.context.span_id: s for s in spans if s.context is not None}
    queries = [s for s in spans if s.attributes and s.attributes.get("db.system") == "postgresql"]
    # The request's own queries (the submission's UPDATE and the outbox INSERT among them) are its
    # children.
    request_queries = [
        q for q in queries if q.parent is not None and q.parent.span_id == request.context.span_id
    ]
    statements = " ".join(str(q.attributes.get("db.statement", "")) for q in request_queries if q.attributes)
    assert "UPDATE" in statements
    assert "INSERT INTO outbox_job" in statements

    [delivery] = [s for s in spans if s.kind is SpanKind.CONSUMER]
    assert delivery.name == f"outbox {DELIVER}"
    assert delivery.parent is not None
    # A child of the span that enqueued it: the request's, or a query span under it.
    assert delivery.parent.span_id in by_id
    # The delivery's own queries and its calls to the department twin (the case, its materials)
    # hang under it; each call sent the trace on in its traceparent header.
    assert delivery.context is not None
    under_delivery = [
        s for s in spans if s.parent is not None and s.parent.span_id == delivery.context.span_id
    ]
    urls = [
        str(s.attributes.get("url.full", s.attributes.get("http.url")))
        for s in under_delivery
        if s.attributes and s.kind is SpanKind.CLIENT and "db.system" not in s.attributes
    ]
    assert any(url.endswith("/cases/v1/applications") for url in urls), urls
    assert any(s in queries for s in under_delivery)

    # Redis commands are spans of the requests that make them (the SMS code at registration).
    # (The patch is process-wide: the session app's background Redis work shows up as root spans.)
    all_spans = memory.get_finished_spans()
    servers = {s.context.span_id for s in all_spans if s.kind is SpanKind.SERVER and s.context is not None}
    redis = [s for s in all_spans if s.attributes and s.attributes.get("db.system") == "redis"]
    assert redis
    assert any(s.parent.span_id in servers for s in redis if s.parent is not None)

    # Nothing personal in any span: no ID number, no phone number, no name.
    written = repr([(s.name, dict(s.attributes or {})) for s in memory.get_finished_spans()])
    for personal in (citizen.person["id_number"], citizen.person["phone"], citizen.person["name"]):
        assert personal not in written


def _as_services(wiring: Wiring) -> Services:
    return Services(wiring)


async def test_tracing_off_installs_nothing_and_stores_no_trace_with_a_job(services: Services) -> None:
    tracing = services.wiring.infra.tracing
    assert not tracing.enabled
    assert tracing.tracer is None
    assert services.wiring.infra.tracing.memory is None
    assert Tracing(TracingSettings()).provider is None
    app = create_app(services.settings, wiring=services.wiring)
    layer: Any = app.asgi_handler
    while layer is not None:
        assert not isinstance(layer, TracingMiddleware)
        layer = getattr(layer, "app", None)
    outbox = services.wiring.get(Outbox)
    assert await outbox.enqueue("tracing.test", key="untraced", payload={"n": 1})
    row = await services.engine.run_querystring(
        QueryString("SELECT trace FROM outbox_job WHERE topic = {} AND key = {}", "tracing.test", "untraced")
    )
    assert row[0]["trace"] is None
