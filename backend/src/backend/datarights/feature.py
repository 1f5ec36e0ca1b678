"""The data-rights feature (PIPL art. 44–47): every feature's ``personal_data`` declaration walked
for the citizen's view, export and account closure; exports and closures delivered by the outbox."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence

from backend.audit.privacy import AUDIT_PERSONAL_DATA
from backend.auth.tokens import TokenService
from backend.background import Job, Periodic
from backend.citizen.service import CitizenService
from backend.datarights.controller import DataRightsController
from backend.datarights.repository import DataRightsRepository
from backend.datarights.service import CLOSE_TOPIC, EXPORT_TOPIC, DataRightsService, Hooks
from backend.datarights.tables import DataClosure, DataExport
from backend.feature import Feature
from backend.outbox.jobs import ClaimedJob, Handler
from backend.outbox.service import Outbox
from backend.personal_data import Category, Held, OnClosure, PersonalData
from backend.wiring import Wiring


def hooks(w: Wiring) -> Hooks:
    """Every feature's declaration, and its hooks built from the wiring."""
    declared = [
        ("audit", AUDIT_PERSONAL_DATA),
        *((f.name, f.personal_data) for f in w.features if f.personal_data is not None),
    ]
    return Hooks(
        declarations=declared,
        blockers=[d.blockers(w) for _, d in declared if d.blockers is not None],
        closure_steps=[d.on_closure(w) for _, d in declared if d.on_closure is not None],
        consents=[d.consents(w) for _, d in declared if d.consents is not None],
    )


def _service(w: Wiring) -> DataRightsService:
    infra = w.infra
    return DataRightsService(
        repository=DataRightsRepository(infra.engine),
        hooks=hooks(w),
        citizens=w.get(CitizenService),
        outbox=w.get(Outbox),
        audit=infra.audit,
        clock=infra.clock,
        engine=infra.engine,
        cipher=infra.cipher,
        tokens=w.get(TokenService),
    )


def _export_handler(w: Wiring) -> Handler:
    service = w.get(DataRightsService)

    async def handle(job: ClaimedJob) -> None:
        await service.build_export(uuid.UUID(json.loads(job.payload)["export_id"]))

    return handle


def _close_handler(w: Wiring) -> Handler:
    service = w.get(DataRightsService)

    async def handle(job: ClaimedJob) -> None:
        await service.finish_closure(uuid.UUID(json.loads(job.payload)["citizen_id"]))

    return handle


def _jobs(w: Wiring) -> Sequence[Job]:
    service = w.get(DataRightsService)

    async def expire() -> None:
        await service.expire_exports()

    return [Periodic("data exports past their expiry", every=60.0, step=expire)]


PERSONAL_DATA = PersonalData(
    categories=(
        Category(
            name="data_exports",
            description="Exports of your data you asked for, until downloaded or expired",
            purpose="Handing you a copy of your personal data (PIPL art. 45)",
            legal_basis="PIPL art. 13(3): a legal obligation",
            retention="24 hours, or until the first download",
        ),
        Category(
            name="account_closure",
            description="That you closed your account, and when (no name, ID number or phone)",
            purpose="Showing the closure was honoured",
            legal_basis="PIPL art. 13(3): a legal obligation (art. 47)",
            retention="3 years after the closure",
        ),
    ),
    held=(
        Held(table=DataExport, category="data_exports", omit=("content",)),
        Held(
            table=DataClosure,
            category="account_closure",
            on_closure=OnClosure.RETAIN,
            retained_because="the record that the closure was honoured (PIPL art. 47); the account id only",
        ),
    ),
)

FEATURE = Feature(
    name="datarights",
    routes=(DataRightsController,),
    piccolo_app="backend.datarights.piccolo_app",
    services={DataRightsService: _service},
    dependencies={"datarights": DataRightsService},
    background=_jobs,
    outbox_handlers={EXPORT_TOPIC: _export_handler, CLOSE_TOPIC: _close_handler},
    personal_data=PERSONAL_DATA,
)
