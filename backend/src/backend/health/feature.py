"""Liveness and readiness (``/metrics`` is the app's own: ``backend.observability.metrics``)."""

from __future__ import annotations

from backend.feature import Feature
from backend.health.controller import HealthController
from backend.health.service import Readiness

FEATURE = Feature(
    name="health",
    routes=(HealthController,),
    services={
        Readiness: lambda w: Readiness(
            engine=w.infra.engine, store=w.infra.store, store_name=w.infra.store_name
        )
    },
    dependencies={"readiness": Readiness},
)
