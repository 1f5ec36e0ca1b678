"""The application feature: citizens' applications, their lifecycle and delivery to departments."""

from __future__ import annotations

import logging
from datetime import timedelta

from backend.application.autofill import AutoFill
from backend.application.blobs import blob_store
from backend.application.controller import (
    ApplicationController,
    ApplicationReviewController,
    CaseCallbackController,
    MaterialController,
    ReviewerController,
)
from backend.application.delivery import Delivery
from backend.application.hooks import DecisionHooks
from backend.application.materials import SWEEP, MaterialService
from backend.application.notices import NOTICES
from backend.application.privacy import PERSONAL_DATA
from backend.application.repository import ApplicationRepository, MaterialRepository, ReviewerRepository
from backend.application.review import ApplicationReview
from backend.application.reviewers import Reviewers
from backend.application.service import DELIVER, SUPPLEMENT, SYNC, WITHDRAW, ApplicationService
from backend.application.settings import ApplicationSettings
from backend.background import Job, Periodic
from backend.catalogue.service import CatalogueService
from backend.evidence.service import EvidenceService
from backend.feature import Feature
from backend.licence.service import LicenceService
from backend.notification.service import NotificationService
from backend.outbox.service import Outbox
from backend.staff.service import StaffService
from backend.wiring import Wiring, WiringError
from integrations.cases.twin import CasesState
from integrations.sandbox import SANDBOX_CALLBACK_SECRET

log = logging.getLogger("backend.application")


def _materials(w: Wiring) -> MaterialService:
    infra, section = w.infra, w.section(ApplicationSettings)
    return MaterialService(
        repository=MaterialRepository(infra.engine),
        applications=ApplicationRepository(infra.engine),
        catalogue=w.get(CatalogueService),
        licences=w.get(LicenceService),
        blobs=blob_store(w),
        cipher=infra.cipher,
        outbox=w.get(Outbox),
        audit=infra.audit,
        clock=infra.clock,
        engine=infra.engine,
        max_bytes=section.material_max_bytes,
        per_slot=section.material_files_per_slot,
    )


def _applications(w: Wiring) -> ApplicationService:
    infra = w.infra
    return ApplicationService(
        repository=ApplicationRepository(infra.engine),
        catalogue=w.get(CatalogueService),
        autofill=AutoFill(w.get(LicenceService)),
        materials=w.get(MaterialService),
        outbox=w.get(Outbox),
        cipher=infra.cipher,
        audit=infra.audit,
        clock=infra.clock,
        engine=infra.engine,
    )


def _reviewers(w: Wiring) -> Reviewers:
    infra = w.infra
    return Reviewers(
        repository=ReviewerRepository(infra.engine),
        staff=w.get(StaffService),
        catalogue=w.get(CatalogueService),
        audit=infra.audit,
        clock=infra.clock,
        engine=infra.engine,
    )


def _review(w: Wiring) -> ApplicationReview:
    return ApplicationReview(
        applications=w.get(ApplicationService),
        repository=ApplicationRepository(w.infra.engine),
        reviewers=w.get(Reviewers),
        notifications=w.get(NotificationService),
        hooks=w.get(DecisionHooks),
        audit=w.infra.audit,
        clock=w.infra.clock,
    )


def _delivery(w: Wiring) -> Delivery:
    infra = w.infra
    sandbox = infra.upstreams.sandbox
    secret = w.section(ApplicationSettings).callback_secret
    if not secret and sandbox is None:
        # Real departments: their callbacks are signed with a secret agreed with them, never the
        # sandbox's published one (anyone could sign as a department).
        raise WiringError(
            "remote upstreams need SUQIAN_APPLICATION_CALLBACK_SECRET (the departments' callback key)"
        )
    delivery = Delivery(
        repository=ApplicationRepository(infra.engine),
        cases=infra.upstreams.cases,
        materials=w.get(MaterialService),
        outbox=w.get(Outbox),
        notifications=w.get(NotificationService),
        audit=infra.audit,
        clock=infra.clock,
        engine=infra.engine,
        callback_secret=secret or SANDBOX_CALLBACK_SECRET,
        hooks=w.get(DecisionHooks),
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
    applications, materials = w.get(ApplicationService), w.get(MaterialService)
    ttl = timedelta(hours=w.section(ApplicationSettings).draft_ttl_hours)

    async def purge() -> None:
        purged = await applications.purge_stale_drafts(older_than=ttl)
        if purged:
            log.info("purged licence data from %d stale drafts", purged)
        emptied = await materials.purge_abandoned(before=w.infra.clock.now() - ttl)
        if emptied:
            log.info("deleted the materials of %d abandoned applications", emptied)

    # Hourly: a draft lives at most 73 h with licence data in it.
    return [Periodic("application draft purge", every=3600, step=purge, immediately=True)]


FEATURE = Feature(
    name="application",
    routes=(
        ApplicationController,
        MaterialController,
        ApplicationReviewController,
        ReviewerController,
        CaseCallbackController,
    ),
    piccolo_app="backend.application.piccolo_app",
    settings=ApplicationSettings,
    services={
        ApplicationService: _applications,
        ApplicationReview: _review,
        Reviewers: _reviewers,
        Delivery: _delivery,
        MaterialService: _materials,
        DecisionHooks: lambda w: DecisionHooks(),
    },
    dependencies={
        "applications": ApplicationService,
        "review": ApplicationReview,
        "reviewers": Reviewers,
        "delivery": Delivery,
        "materials": MaterialService,
        "evidence": EvidenceService,
    },
    background=_jobs,
    notices=NOTICES,
    outbox_handlers={
        DELIVER: lambda w: w.get(Delivery).deliver,
        SUPPLEMENT: lambda w: w.get(Delivery).supplement,
        SYNC: lambda w: w.get(Delivery).sync,
        WITHDRAW: lambda w: w.get(Delivery).withdraw,
        SWEEP: lambda w: w.get(MaterialService).sweep,
    },
    personal_data=PERSONAL_DATA,
)
