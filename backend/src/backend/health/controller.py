from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from litestar import Controller, get
from litestar.di import NamedDependency

from backend.access import ANYONE
from backend.fields import doc
from backend.health.errors import NotReady
from backend.health.service import Readiness


class Health(msgspec.Struct, frozen=True):
    status: Annotated[
        Literal["ok"],
        doc(
            "Always `ok`: a dependency that does not answer makes the readiness probe "
            "a 503 `health.not_ready` instead",
            "ok",
        ),
    ]
    checks: Annotated[
        dict[str, str],
        doc(
            "Readiness only: each dependency checked and `ok` — `database`, and the "
            "key-value store as `redis` (or `memory`, the single-process store "
            "without Redis); empty for liveness",
            {"database": "ok", "redis": "ok"},
        ),
    ] = msgspec.field(default_factory=dict)


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
