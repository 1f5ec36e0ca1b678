"""The application feature: citizens' applications, their lifecycle and delivery to departments."""

from __future__ import annotations

import logging
from datetime import timedelta

from backend.application.autofill import AutoFill
from backend.application.controller import ApplicationController, CaseCallbackController
from backend.application.delivery import Delivery
from backend.application.notices import NOTICES
from backend.application.repository import ApplicationRepository
from backend.application.service import DELIVER, SUPPLEMENT, SYNC, ApplicationService
from backend.application.settings import ApplicationSettings
from backend.background import Job, Periodic
from backend.catalogue.service import CatalogueService
from backend.feature import Feature
from backend.licence.service import LicenceService
from backend.notification.service import NotificationService
from backend.outbox.service import Outbox
from backend.wiring import Wiring
from integrations.cases.twin import CasesState
from integrations.sandbox import SANDBOX_CALLBACK_SECRET

log = logging.getLogger("backend.application")


def _applications(w: Wiring) -> ApplicationService:
    infra = w.infra
    return ApplicationService(
        repository=ApplicationRepository(infra.engine),
        catalogue=w.get(CatalogueService),
        autofill=AutoFill(w.get(LicenceService)),
        outbox=w.get(Outbox),
        cipher=infra.cipher,
        audit=infra.audit,
        clock=infra.clock,
        engine=infra.engine,
    )


def _delivery(w: Wiring) -> Delivery:
    infra = w.infra
    sandbox = infra.upstreams.sandbox
    delivery = Delivery(
        repository=ApplicationRepository(infra.engine),
        cases=infra.upstreams.cases,
        outbox=w.get(Outbox),
        notifications=w.get(NotificationService),
        audit=infra.audit,
        clock=infra.clock,
        engine=infra.engine,
        callback_secret=w.section(ApplicationSettings).callback_secret or SANDBOX_CALLBACK_SECRET,
    )
    if sandbox is not None:
        # The sandbox's case system calls back in-process (what a department does over HTTP).
        state = sandbox.state("cases")
        assert isinstance(state, CasesState)

        async def sink(headers: dict[str, str], body: bytes) -> None:
            await delivery.receive_callback(headers, body)

        state.callback_sink = sink
    return delivery


def _jobs(w: Wiring) -> list[Job]:
    applications = w.get(ApplicationService)
    ttl = timedelta(hours=w.section(ApplicationSettings).draft_ttl_hours)

    async def purge() -> None:
        purged = await applications.purge_stale_drafts(older_than=ttl)
        if purged:
            log.info("purged licence data from %d stale drafts", purged)

    # Hourly: a draft lives at most 73 h with licence data in it.
    return [Periodic("application draft purge", every=3600, step=purge, immediately=True)]


FEATURE = Feature(
    name="application",
    routes=(ApplicationController, CaseCallbackController),
    piccolo_app="backend.application.piccolo_app",
    settings=ApplicationSettings,
    services={ApplicationService: _applications, Delivery: _delivery},
    dependencies={"applications": ApplicationService, "delivery": Delivery},
    background=_jobs,
    notices=NOTICES,
    outbox_handlers={
        DELIVER: lambda w: w.get(Delivery).deliver,
        SUPPLEMENT: lambda w: w.get(Delivery).supplement,
        SYNC: lambda w: w.get(Delivery).sync,
    },
)
