"""The hotline feature: 12345 tickets filed through the outbox exactly once, replies pulled by a poll
and told to the citizen, ratings after closure."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from backend.application.blobs import blob_store
from backend.background import Job, Periodic
from backend.citizen.service import CitizenService
from backend.feature import Feature
from backend.hotline.controller import HotlineController
from backend.hotline.notices import REFUSED, REPLIED
from backend.hotline.privacy import PERSONAL_DATA
from backend.hotline.repository import HotlineRepository
from backend.hotline.service import FILE_TOPIC, RATE_TOPIC, HotlineService
from backend.hotline.settings import HotlineSettings
from backend.hotline.sync import HotlineSync
from backend.idempotency import Idempotency
from backend.notification.service import NotificationService
from backend.outbox.service import Outbox
from backend.wiring import Wiring


def _hotline(w: Wiring) -> HotlineService:
    infra = w.infra
    return HotlineService(
        repository=HotlineRepository(infra.engine),
        outbox=w.get(Outbox),
        blobs=blob_store(w),
        cipher=infra.cipher,
        audit=infra.audit,
        clock=infra.clock,
        engine=infra.engine,
        max_photo_bytes=w.section(HotlineSettings).photo_max_bytes,
    )


def _sync(w: Wiring) -> HotlineSync:
    infra = w.infra
    return HotlineSync(
        repository=HotlineRepository(infra.engine),
        hotline=w.get(HotlineService),
        citizens=w.get(CitizenService),
        client=infra.upstreams.hotline12345,
        notifications=w.get(NotificationService),
        clock=infra.clock,
        engine=infra.engine,
    )


def _jobs(w: Wiring) -> Sequence[Job]:
    sync, hotline = w.get(HotlineSync), w.get(HotlineService)

    async def poll() -> None:
        await sync.poll()

    async def purge() -> None:
        await hotline.purge_unfiled_photos(
            older_than=timedelta(hours=w.section(HotlineSettings).photo_ttl_hours)
        )

    every = w.section(HotlineSettings).poll_seconds
    return [
        Periodic("12345 tickets' status and replies", every=every, step=poll),
        Periodic("hotline photos no ticket took", every=3600.0, step=purge),
    ]


FEATURE = Feature(
    name="hotline",
    routes=(HotlineController,),
    piccolo_app="backend.hotline.piccolo_app",
    settings=HotlineSettings,
    services={HotlineService: _hotline, HotlineSync: _sync},
    dependencies={"hotline": HotlineService, "hotline_sync": HotlineSync, "idempotency": Idempotency},
    background=_jobs,
    outbox_handlers={
        FILE_TOPIC: lambda w: w.get(HotlineSync).deliver,
        RATE_TOPIC: lambda w: w.get(HotlineSync).deliver_rating,
    },
    notices=(REPLIED, REFUSED),
    personal_data=PERSONAL_DATA,
)
