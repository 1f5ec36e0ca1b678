"""The ``tracing`` section of the settings (``backend.observability.tracing`` uses it)."""

from typing import Literal

import msgspec


class TracingSettings(msgspec.Struct, frozen=True, kw_only=True):
    """OpenTelemetry traces: off by default, and then they cost nothing (no span is made anywhere).
    ``otlp`` sends spans over OTLP/HTTP to ``otlp_endpoint`` (a collector's ``/v1/traces``);
    ``memory`` keeps them in the process, for tests. Read from ``SUQIAN_TRACING_EXPORTER``,
    ``SUQIAN_TRACING_OTLP_ENDPOINT``, ``SUQIAN_TRACING_SAMPLE_RATIO``, ``SUQIAN_TRACING_SERVICE_NAME``."""

    exporter: Literal["off", "otlp", "memory"] = "off"
    otlp_endpoint: str = "http://127.0.0.1:4318/v1/traces"
    # Of the traces that start here; a caller's traceparent decides for the traces it started.
    sample_ratio: float = 1.0
    service_name: str = "suqian"
