from __future__ import annotations

import asyncio

import msgspec
from litestar import Controller, Response, get
from litestar.di import NamedDependency

from backend.container import Container
from backend.database import ping as ping_database
from backend.errors import DomainError
from backend.health.errors import NotReady
from backend.observability.metrics import CONTENT_TYPE_LATEST

# A readiness probe must answer before the orchestrator's own timeout (typically 1-3 s).
_CHECK_TIMEOUT = 1.0


class Health(msgspec.Struct, frozen=True):
    status: str
    checks: dict[str, str] = msgspec.field(default_factory=dict)


class HealthController(Controller):
    tags = ("health",)

    @get("/health/live", sync_to_thread=False, summary="The process is up")
    def live(self) -> Health:
        return Health(status="ok")

    @get("/health/ready", summary="The database and the key-value store answer")
    async def ready(self, container: NamedDependency[Container]) -> Health:
        checks = {
            "database": ping_database(container.engine),
            container.store_name: container.store.ping(),
        }
        results = await asyncio.gather(
            *(asyncio.wait_for(check, _CHECK_TIMEOUT) for check in checks.values()),
            return_exceptions=True,
        )
        failed = [name for name, result in zip(checks, results, strict=True) if result is not None]
        if failed:
            raise NotReady(
                failed=failed, checks={n: _describe(r) for n, r in zip(checks, results, strict=True)}
            )
        return Health(status="ok", checks=dict.fromkeys(checks, "ok"))

    @get("/metrics", sync_to_thread=False, include_in_schema=False)
    def metrics(self, container: NamedDependency[Container]) -> Response[bytes]:
        return Response(container.metrics.render(), media_type=CONTENT_TYPE_LATEST)


def _describe(result: BaseException | None) -> str:
    if result is None:
        return "ok"
    if isinstance(result, TimeoutError):
        return "timeout"
    if isinstance(result, DomainError):
        return result.code
    return "error"
