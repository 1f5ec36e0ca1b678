"""Prometheus metrics for HTTP traffic, kept in a registry per app so tests and workers don't collide,
and the ``/metrics`` route that exposes them."""

from __future__ import annotations

import os

from litestar import Response, get
from litestar.handlers import HTTPRouteHandler
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from backend.access import ANYONE

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
        self._children: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}

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

    def render(self) -> bytes:
        return generate_latest(self.registry)


_MEDIA_TYPE = CONTENT_TYPE_LATEST.replace("; charset=utf-8", "")


def metrics_route(metrics: Metrics) -> HTTPRouteHandler:
    """``GET /metrics`` in the Prometheus text format. ``create_app`` routes it only when
    ``Settings.metrics_public`` says so, like the OpenAPI document: off in production by default."""

    @get("/metrics", sync_to_thread=False, include_in_schema=False, access=ANYONE)
    def exposition() -> Response[bytes]:
        # Litestar appends ``; charset=utf-8`` to a text type: give it the type without the one
        # prometheus_client already names, or the header says it twice.
        return Response(metrics.render(), media_type=_MEDIA_TYPE)

    return exposition
