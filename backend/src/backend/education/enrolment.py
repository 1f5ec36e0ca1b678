"""``EnrolmentService``: compulsory-school enrolment (义务教育入学报名) filed as an application of the
catalogue item ``SQ-JY-0001`` — its form prefilled from the household register (the child, their
birth date, the registered address), the property licence (the home's location) and the school
district that address falls in; the citizen checks it, fills the rest and submits it through the
application feature. The department's decision comes back through the application feature's decision
hook: the enrolment is admitted (or not) and the parent told the result; the school then places the
admitted child in a class, which makes the parent one of the class's parents (its notices reach them).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from piccolo.engine.base import Engine

from backend.application.hooks import Decided
from backend.application.service import ApplicationService, ApplicationView, Prefilled
from backend.audit.service import AuditLog
from backend.citizen.service import CitizenService
from backend.clock import Clock
from backend.crypto import PersonalDataCipher
from backend.database import transaction
from backend.education.districts import Match, normalise
from backend.education.errors import (
    AgeOutOfRange,
    AlreadyPlaced,
    EnrolmentNotFound,
    NoHouseholdRegister,
    NotAdmitted,
    NotYourChild,
    RegisterUnavailable,
)
from backend.education.notices import ADMISSION_RESULT
from backend.education.repository import EducationRepository, EnrolmentRow, SchoolRow
from backend.education.service import EducationService
from backend.licence.errors import LicenceUnusable, NotHeld
from backend.licence.service import LicenceService
from backend.notices import BEIJING
from backend.notification.service import NotificationService
from integrations import UpstreamRejected, UpstreamUnavailable
from integrations.population import PopulationClient

ITEM_CODE = "SQ-JY-0001"
CHILD_COLUMN = "education_enrolment.child_name"
STAGE_LABELS = {"primary": "小学一年级", "junior": "初中一年级"}


def of_age(birth: date, stage: str, *, today: date) -> bool:
    """Of age for entering ``stage`` this autumn: primary at 6 by 31 August (入学当年8月31日前满6周岁),
    junior at 11 to 13 (after six years of primary); a year's late entry allowed for either."""
    year = today.year
    youngest, span = (6, 3) if stage == "primary" else (11, 3)
    return date(year - youngest - span, 9, 1) <= birth <= date(year - youngest, 8, 31)


@dataclass(frozen=True, slots=True, kw_only=True)
class Started:
    application: ApplicationView
    enrolment: EnrolmentRow
    district: str | None
    school: tuple[Match, SchoolRow] | None


class EnrolmentService:
    def __init__(
        self,
        *,
        repository: EducationRepository,
        education: EducationService,
        applications: ApplicationService,
        citizens: CitizenService,
        licences: LicenceService,
        population: PopulationClient,
        notifications: NotificationService,
        cipher: PersonalDataCipher,
        audit: AuditLog,
        clock: Clock,
        engine: Engine[Any],
    ) -> None:
        self._repository = repository
        self._education = education
        self._applications = applications
        self._citizens = citizens
        self._licences = licences
        self._population = population
        self._notifications = notifications
        self._cipher = cipher
        self._audit = audit
        self._clock = clock
        self._engine = engine

    async def start(self, citizen_id: uuid.UUID, *, child_id_number: str, stage: str) -> Started:
        """The enrolment's application draft, prefilled (each value with its source); the citizen
        confirms it through the application routes."""
        identity = await self._citizens.real_identity(citizen_id)
        try:
            household = await self._population.find_household(identity.id_number)
        except (UpstreamUnavailable, UpstreamRejected):
            raise RegisterUnavailable() from None
        if household is None:
            raise NoHouseholdRegister()
        wanted = child_id_number.upper()
        child = next(
            (m for m in household.members if m.id_number == wanted and m.id_number != identity.id_number),
            None,
        )
        if child is None:
            raise NotYourChild()
        now = self._clock.now()
        if not of_age(child.birth_date, stage, today=now.astimezone(BEIJING).date()):
            raise AgeOutOfRange()
        home = await self._property_location(citizen_id)
        # The school by the home's property licence when there is one (入学依据 is the house), else (or
        # when no line covers the house) by the registered address.
        district: str | None = None
        found: list[tuple[Match, SchoolRow]] = []
        for address in (home, household.address):
            if address and not found:
                district, found = await self._education.lookup(address, stage=stage)
        school = found[0] if found else None
        register = {
            "source": "household_register",
            "household_no": household.household_no,
            "at": now.isoformat(),
        }
        prefill = {
            "/applicant/name": Prefilled(identity.name, {"source": "real_name"}),
            "/applicant/id_number": Prefilled(identity.id_number, {"source": "real_name"}),
            "/details/child_name": Prefilled(child.name, register),
            "/details/child_id_number": Prefilled(child.id_number, register),
            "/details/child_birth_date": Prefilled(child.birth_date.isoformat(), register),
            "/details/household_address": Prefilled(household.address, register),
            "/details/stage": Prefilled(STAGE_LABELS[stage], {"source": "citizen"}),
        }
        if home is not None and normalise(home) == normalise(household.address):
            prefill["/details/residence_basis"] = Prefilled("户籍与房产一致", register)
        elif home is not None:
            prefill["/details/residence_basis"] = Prefilled("有房产无户籍", {"source": "licence_location"})
        if school is not None:
            match, row = school
            district_source = {
                "source": "school_district",
                "district": district,
                "line": match.line.describe(),
            }
            prefill["/details/school_code"] = Prefilled(row.code, district_source)
            prefill["/details/school_name"] = Prefilled(row.name, district_source)
        view = await self._applications.create(
            citizen_id, ITEM_CODE, actor=f"citizen:{citizen_id}", prefill=prefill
        )
        enrolment = EnrolmentRow(
            id=view.row.id, citizen_id=citizen_id, stage=stage,
            child_name=self._cipher.seal(child.name, column=CHILD_COLUMN),
            school_id=school[1].id if school else None, status="applied", class_id=None,
            created_at=now, decided_at=None,
        )  # fmt: skip
        await self._repository.add_enrolment(enrolment)
        return Started(application=view, enrolment=enrolment, district=district, school=school)

    async def _property_location(self, citizen_id: uuid.UUID) -> str | None:
        """Where the citizen's property licence (不动产权证书) says their home is, if they hold one."""
        await self._licences.held(citizen_id)
        try:
            value = await self._licences.field(
                citizen_id, "BDCQZS", "location", audience=f"urn:suqian:application:{ITEM_CODE}"
            )
        except (NotHeld, LicenceUnusable):
            return None
        return str(value.value) if value.value else None

    async def mine(self, citizen_id: uuid.UUID) -> list[EnrolmentRow]:
        return await self._repository.enrolments_of(citizen_id)

    def child_name(self, row: EnrolmentRow) -> str:
        return self._cipher.open(row.child_name, column=CHILD_COLUMN)

    async def on_decided(self, decided: Decided) -> bool:
        """The application feature's decision hook for ``SQ-JY-0001``, inside the transaction that
        records the department's decision: approved is admitted to the school the form names, refused
        is not admitted; the parent is told the result once per history entry. True when told (the
        generic status notice is then not sent); other moves are left to the generic notice."""
        if decided.status not in ("approved", "refused", "intake_refused"):
            return False
        view = await self._applications.get(decided.citizen_id, decided.application_id)
        details = view.data.get("details", {})
        school = await self._education.school_by_code(str(details.get("school_code", "")))
        child = str(details.get("child_name", ""))
        admitted = decided.status == "approved"
        now = self._clock.now()
        status = "admitted" if admitted else "not_admitted"
        if await self._repository.find_enrolment(decided.application_id) is None:
            # Drafted before this feature recorded enrolments, or through the plain application routes.
            await self._repository.add_enrolment(
                EnrolmentRow(
                    id=decided.application_id,
                    citizen_id=decided.citizen_id,
                    stage="junior" if details.get("stage") == STAGE_LABELS["junior"] else "primary",
                    child_name=self._cipher.seal(child, column=CHILD_COLUMN),
                    school_id=None,
                    status="applied",
                    class_id=None,
                    created_at=now,
                    decided_at=None,
                )
            )
        await self._repository.decide(
            decided.application_id, status=status, school_id=school.id if school else None, now=now
        )
        await self._audit.append(
            actor=decided.actor or f"department:{decided.entry}", action=f"education.{status}",
            subject=f"enrolment:{decided.application_id}",
            data={"school": school.code if school else None}, chain="education",
        )  # fmt: skip
        await self._notifications.notify(
            decided.citizen_id,
            template=ADMISSION_RESULT,
            data={
                "enrolment_id": decided.application_id, "child": child,
                "result": "已录取" if admitted else "未录取",
                "school": school.name if (school and admitted) else "请留意教育部门统筹安排",
                "note": decided.note or "", "at": now,
            },
            key=f"education:admission:{decided.application_id}:{decided.entry}",
        )  # fmt: skip
        return True  # told (or told before, under the same key): never the generic notice too

    async def admitted(self, staff_id: uuid.UUID) -> list[EnrolmentRow]:
        """Children admitted to the staff member's school, to be placed in classes."""
        school = await self._education.school_of(staff_id)
        return await self._repository.admitted_to(school.id)

    async def place(self, staff_id: uuid.UUID, enrolment_id: uuid.UUID, class_id: uuid.UUID) -> EnrolmentRow:
        """Place an admitted child in a class of the school: the parent becomes one of its parents."""
        school, klass = await self._education.own_class(staff_id, class_id)
        enrolment = await self._repository.find_enrolment(enrolment_id)
        if enrolment is None:
            raise EnrolmentNotFound()
        if enrolment.school_id != school.id or enrolment.status != "admitted":
            raise NotAdmitted()
        async with transaction(self._engine):
            if not await self._repository.place(enrolment.id, klass.id):
                raise AlreadyPlaced()
            await self._education.add_guardian(
                class_id=klass.id, citizen_id=enrolment.citizen_id, enrolment_id=enrolment.id,
                student_name=self.child_name(enrolment), source="admission",
            )  # fmt: skip
            await self._audit.append(
                actor=f"staff:{staff_id}", action="education.placed", subject=f"enrolment:{enrolment.id}",
                data={"class": str(klass.id)}, chain="education",
            )  # fmt: skip
        placed = await self._repository.find_enrolment(enrolment.id)
        assert placed is not None
        return placed
