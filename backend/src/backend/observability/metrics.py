"""Prometheus metrics, kept in a registry per app so tests and workers don't collide, and the
``/metrics`` route that exposes them: HTTP traffic and problem codes (the middleware), upstream calls
(the adapters' audit hook), outbox deliveries (the workers), and, read when Prometheus scrapes, the
outbox's depth (``on_scrape``) and each upstream's circuit breaker (``watch_breakers``).
``deploy/grafana`` and ``deploy/prometheus`` are built on these names."""

from __future__ import annotations

import logging
import os
from collections.abc import Awaitable, Callable, Iterator, Mapping

from litestar import Response, get
from litestar.handlers import HTTPRouteHandler
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector

from backend.access import ANYONE
from integrations import AuditEvent, BreakerState

log = logging.getLogger("backend.metrics")

# The breaker gauge's values: alert on 2 (open: calls fail fast), watch 1 (a probe is let through).
BREAKER_VALUES = {BreakerState.CLOSED: 0, BreakerState.HALF_OPEN: 1, BreakerState.OPEN: 2}

__all__ = ["CONTENT_TYPE_LATEST", "Metrics", "metrics_route"]


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        # Each granian worker has its own registry; the pid label lets Prometheus sum across workers.
        self._worker = str(os.getpid())
        self.requests = Counter(
            "suqian_http_requests_total",
            "HTTP requests by route template and status.",
            ["method", "route", "status", "worker"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "suqian_http_request_duration_seconds",
            "HTTP request latency by route template.",
            ["method", "route", "worker"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
            registry=self.registry,
        )
        self.in_flight = Gauge(
            "suqian_http_requests_in_flight",
            "Requests being served.",
            ["worker"],
            registry=self.registry,
        )
        self.domain_errors = Counter(
            "suqian_domain_errors_total",
            "Problem responses by stable code.",
            ["code", "worker"],
            registry=self.registry,
        )
        self.upstream_calls = Counter(
            "suqian_upstream_calls_total",
            "Calls to government and platform systems by outcome (ok, rejected, unavailable).",
            ["system", "outcome", "worker"],
            registry=self.registry,
        )
        self.upstream_latency = Histogram(
            "suqian_upstream_call_duration_seconds",
            "Upstream call latency, retries included.",
            ["system", "worker"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15),
            registry=self.registry,
        )
        self.outbox_deliveries = Counter(
            "suqian_outbox_deliveries_total",
            "Outbox tries by topic and outcome (done, retried, dead).",
            ["topic", "outcome", "worker"],
            registry=self.registry,
        )
        # Read from the database when Prometheus scrapes (``on_scrape``): the same in every worker.
        self.outbox_jobs = Gauge(
            "suqian_outbox_jobs",
            "Outbox jobs waiting (pending), being tried (running) or dead-lettered (dead), by topic.",
            ["topic", "state"],
            registry=self.registry,
        )
        self.outbox_oldest = Gauge(
            "suqian_outbox_oldest_pending_seconds",
            "Age of the oldest job not yet delivered (pending or running), by topic.",
            ["topic"],
            registry=self.registry,
        )
        self._children: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}
        self._on_scrape: dict[str, Callable[[Metrics], Awaitable[None]]] = {}

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        key = (method, route, status)
        children = self._children.get(key)
        if children is None:
            # Label lookups cost a few µs each; cache the children per (method, route, status).
            children = (
                self.requests.labels(method, route, str(status), self._worker),
                self.latency.labels(method, route, self._worker),
            )
            self._children[key] = children
        children[0].inc()
        children[1].observe(seconds)

    def count_problem(self, code: str) -> None:
        self.domain_errors.labels(code, self._worker).inc()

    def count_upstream(self, event: AuditEvent) -> None:
        self.upstream_calls.labels(event.system, event.outcome, self._worker).inc()
        self.upstream_latency.labels(event.system, self._worker).observe(event.latency_ms / 1000)

    def count_delivery(self, topic: str, outcome: str) -> None:
        self.outbox_deliveries.labels(topic, outcome, self._worker).inc()

    def on_scrape(self, name: str, refresh: Callable[[Metrics], Awaitable[None]]) -> None:
        """Run ``refresh`` before each exposition (a query for a gauge); one per ``name``."""
        self._on_scrape[name] = refresh

    def watch_breakers(self, breakers: Callable[[], Mapping[str, BreakerState]]) -> None:
        """Expose each upstream's breaker as ``suqian_upstream_breaker_state`` (read at scrape time)."""
        self.registry.register(_BreakerCollector(breakers))

    async def refresh(self) -> None:
        for name, refresh in self._on_scrape.items():
            try:
                await refresh(self)
            except Exception as exc:  # noqa: BLE001 (logged; the scrape must still answer)
                # The scrape still answers (the database being down is what the other figures show).
                log.warning("metrics: refreshing %s failed: %s", name, type(exc).__name__)

    def render(self) -> bytes:
        return generate_latest(self.registry)


_MEDIA_TYPE = CONTENT_TYPE_LATEST.replace("; charset=utf-8", "")


class _BreakerCollector(Collector):
    def __init__(self, breakers: Callable[[], Mapping[str, BreakerState]]) -> None:
        self._breakers = breakers

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "suqian_upstream_breaker_state",
            "Circuit breaker per upstream system: 0 closed, 1 half-open, 2 open (failing fast).",
            labels=["system"],
        )
        for system, state in sorted(self._breakers().items()):
            family.add_metric([system], BREAKER_VALUES[state])
        yield family


def metrics_route(metrics: Metrics) -> HTTPRouteHandler:
    """``GET /metrics`` in the Prometheus text format. ``create_app`` routes it only when
    ``Settings.metrics_public`` says so, like the OpenAPI document: off in production by default."""

    @get("/metrics", include_in_schema=False, access=ANYONE)
    async def exposition() -> Response[bytes]:
        await metrics.refresh()
        # Litestar appends ``; charset=utf-8`` to a text type: give it the type without the one
        # prometheus_client already names, or the header says it twice.
        return Response(metrics.render(), media_type=_MEDIA_TYPE)

    return exposition
