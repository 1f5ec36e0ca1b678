"""The education feature (教育一站直通): school districts, school enrolment filed as an application,
admission results, and home–school notices with read receipts."""

from __future__ import annotations

import logging

from backend.application.hooks import DecisionHooks
from backend.application.service import ApplicationService
from backend.citizen.service import CitizenService
from backend.database import UniqueViolation
from backend.education.controller import EducationAdminController, EducationController, SchoolController
from backend.education.enrolment import ITEM_CODE, EnrolmentService
from backend.education.notices import NOTICES
from backend.education.privacy import PERSONAL_DATA
from backend.education.repository import EducationRepository
from backend.education.seed import SEED
from backend.education.service import EducationService
from backend.feature import Feature
from backend.licence.service import LicenceService
from backend.notification.service import NotificationService
from backend.staff.service import StaffService
from backend.wiring import Wiring

log = logging.getLogger("backend.education")


def _education(w: Wiring) -> EducationService:
    infra = w.infra
    return EducationService(
        repository=EducationRepository(infra.engine),
        notifications=w.get(NotificationService),
        staff=w.get(StaffService),
        cipher=infra.cipher,
        audit=infra.audit,
        clock=infra.clock,
        engine=infra.engine,
    )


def _enrolments(w: Wiring) -> EnrolmentService:
    infra = w.infra
    service = EnrolmentService(
        repository=EducationRepository(infra.engine),
        education=w.get(EducationService),
        applications=w.get(ApplicationService),
        citizens=w.get(CitizenService),
        licences=w.get(LicenceService),
        population=infra.upstreams.population,
        notifications=w.get(NotificationService),
        cipher=infra.cipher,
        audit=infra.audit,
        clock=infra.clock,
        engine=infra.engine,
    )
    # The department's decision on an enrolment is its admission (``application.hooks``).
    w.get(DecisionHooks).register(ITEM_CODE, service.on_decided)
    return service


async def _seed(w: Wiring) -> None:
    """Seed Suqian's schools and districts outside production (the embedded default, the bench)."""
    if w.settings.mode == "production":
        return
    education = w.get(EducationService)
    for school, lines in SEED:
        if await education.has_school_code(school["code"]):
            continue
        fields = ("district", "road", "from_no", "to_no", "parity", "community")
        # Workers starting together race here: the loser meets the winner's unique code, and moves on.
        with UniqueViolation() as taken:
            await education.add_school(
                by="system:seed", lines=[dict(zip(fields, line, strict=True)) for line in lines], **school
            )
        if taken.occurred:
            continue
        log.info("seeded school %s", school["code"])


FEATURE = Feature(
    name="education",
    routes=(EducationController, SchoolController, EducationAdminController),
    piccolo_app="backend.education.piccolo_app",
    services={EducationService: _education, EnrolmentService: _enrolments},
    dependencies={"education": EducationService, "enrolments": EnrolmentService},
    notices=NOTICES,
    on_startup=(_seed,),
    personal_data=PERSONAL_DATA,
)
