"""The outbox feature: the shared transactional outbox (``Outbox``), its workers, and the operators'
dead letter. Other features enqueue through ``Outbox`` and declare their topics' handlers in their
own ``Feature(outbox_handlers=...)``; the workers here take every declared topic."""

from __future__ import annotations

from backend.background import Job
from backend.feature import Feature
from backend.outbox.controller import OutboxAdminController
from backend.outbox.jobs import Handler
from backend.outbox.privacy import PERSONAL_DATA
from backend.outbox.repository import OutboxRepository
from backend.outbox.service import Outbox
from backend.outbox.settings import OutboxSettings
from backend.outbox.worker import OutboxWorker
from backend.wiring import Wiring


def _outbox(w: Wiring) -> Outbox:
    infra = w.infra
    outbox = Outbox(
        repository=OutboxRepository(infra.engine),
        settings=w.section(OutboxSettings),
        audit=infra.audit,
        clock=infra.clock,
        engine=infra.engine,
        cipher=infra.cipher,
    )
    infra.metrics.on_scrape("outbox", outbox.observe_depth)
    return outbox


def handlers(w: Wiring) -> dict[str, Handler]:
    """Every topic the app's features deliver, with its handler."""
    found: dict[str, Handler] = {}
    for feature in w.features:
        for topic, factory in feature.outbox_handlers.items():
            if topic in found:
                raise ValueError(f"outbox topic {topic} is declared twice")
            found[topic] = factory(w)
    return found


def _workers(w: Wiring) -> list[Job]:
    settings = w.section(OutboxSettings)
    topics = handlers(w)
    if not settings.in_process or not topics:
        return []
    outbox = w.get(Outbox)
    return [
        OutboxWorker(
            f"outbox worker {n}",
            repository=OutboxRepository(w.infra.engine),
            handlers=topics,
            settings=settings,
            clock=w.infra.clock,
            cipher=w.infra.cipher,
            wake=outbox.waiter(),
            tracing=w.infra.tracing,
            metrics=w.infra.metrics,
        )
        for n in range(1, settings.workers + 1)
    ]


FEATURE = Feature(
    name="outbox",
    routes=(OutboxAdminController,),
    piccolo_app="backend.outbox.piccolo_app",
    settings=OutboxSettings,
    services={Outbox: _outbox},
    dependencies={"outbox": Outbox},
    background=_workers,
    personal_data=PERSONAL_DATA,
)
