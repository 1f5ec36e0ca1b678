from __future__ import annotations

import msgspec
from litestar import Controller, get
from litestar.di import NamedDependency

from backend.access import ANYONE
from backend.health.errors import NotReady
from backend.health.service import Readiness


class Health(msgspec.Struct, frozen=True):
    status: str
    checks: dict[str, str] = msgspec.field(default_factory=dict)


class HealthController(Controller):
    tags = ("health",)

    @get("/health/live", sync_to_thread=False, summary="The process is up", access=ANYONE)
    def live(self) -> Health:
        return Health(status="ok")

    @get(
        "/health/ready",
        summary="The database and the key-value store answer",
        errors=(NotReady,),
        access=ANYONE,
    )
    async def ready(self, readiness: NamedDependency[Readiness]) -> Health:
        return Health(status="ok", checks=dict.fromkeys(await readiness.check(), "ok"))
