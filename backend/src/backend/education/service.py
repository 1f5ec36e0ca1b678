"""``EducationService``: schools and their districts (the lookup by address), school accounts bound to
a school, classes, and home–school notices — a school posts to the parents of one of its classes, each
parent gets it in the app and by subscribe message, and the school sees who has read it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from piccolo.engine.base import Engine

from backend.audit.service import AuditLog
from backend.clock import Clock
from backend.crypto import PersonalDataCipher
from backend.database import UniqueViolation, transaction
from backend.education.districts import Catchment, DistrictMap, Match
from backend.education.errors import (
    ClassNameTaken,
    ClassNotFound,
    NoSchoolBound,
    NotASchoolAccount,
    NoticeNotFound,
    NotYourSchool,
    SchoolNotFound,
)
from backend.education.notices import CLASS_NOTICE
from backend.education.repository import (
    CatchmentRow,
    ClassRow,
    EducationRepository,
    NoticeRow,
    ParentNotice,
    SchoolRow,
)
from backend.notification.service import NotificationService
from backend.staff.service import StaffService
from integrations.masking import mask_name

STUDENT_COLUMN = "education_guardian.student_name"
SCHOOL_ROLE = "school"


@dataclass(frozen=True, slots=True, kw_only=True)
class Receipts:
    notice: NoticeRow
    recipients: int
    read: int
    # The pupils whose parents have not read it, names masked (张*雨): the class teacher knows them.
    unread: list[str]


class EducationService:
    def __init__(
        self,
        *,
        repository: EducationRepository,
        notifications: NotificationService,
        staff: StaffService,
        cipher: PersonalDataCipher,
        audit: AuditLog,
        clock: Clock,
        engine: Engine[Any],
        cache_seconds: float = 30.0,
    ) -> None:
        self._repository = repository
        self._notifications = notifications
        self._staff = staff
        self._cipher = cipher
        self._audit = audit
        self._clock = clock
        self._engine = engine
        self._cache_seconds = cache_seconds
        self._cached: tuple[float, dict[uuid.UUID, SchoolRow], DistrictMap] | None = None

    async def add_school(self, *, by: str, lines: list[dict[str, Any]], **fields: Any) -> SchoolRow:
        """A school and the lines of its district (seed data, or the bureau's import)."""
        row = SchoolRow(id=uuid.uuid4(), **fields)
        catchments = [CatchmentRow(id=uuid.uuid4(), school_id=row.id, **line) for line in lines]
        async with transaction(self._engine):
            await self._repository.add_school(row, catchments)
            await self._audit.append(
                actor=by, action="education.school_added", subject=f"school:{row.id}",
                data={"code": row.code, "lines": len(catchments)}, chain="education",
            )  # fmt: skip
        self._cached = None
        return row

    async def has_school_code(self, code: str) -> bool:
        return await self._repository.has_school_code(code)

    async def _map(self) -> tuple[dict[uuid.UUID, SchoolRow], DistrictMap]:
        """Schools and districts, re-read at most every ``cache_seconds`` (they change a few times a
        year; the lookup is the page every parent opens in enrolment season)."""
        now = self._clock.monotonic()
        if self._cached is None or now - self._cached[0] > self._cache_seconds:
            schools = {s.id: s for s in await self._repository.schools()}
            lines = [
                Catchment(
                    school_id=c.school_id,
                    stage=schools[c.school_id].stage,
                    district=c.district,
                    road=c.road,
                    from_no=c.from_no,
                    to_no=c.to_no,
                    parity=c.parity,
                    community=c.community,
                )
                for c in await self._repository.catchments()
                if c.school_id in schools
            ]
            self._cached = (now, schools, DistrictMap(lines))
        return self._cached[1], self._cached[2]

    async def schools(self, *, district: str | None = None, stage: str | None = None) -> list[SchoolRow]:
        schools, _ = await self._map()
        return [
            s
            for s in sorted(schools.values(), key=lambda s: s.code)
            if (district is None or s.district == district) and (stage is None or s.stage == stage)
        ]

    async def school(self, school_id: uuid.UUID) -> SchoolRow:
        schools, _ = await self._map()
        found = schools.get(school_id)
        if found is None:
            raise SchoolNotFound()
        return found

    async def school_by_code(self, code: str) -> SchoolRow | None:
        schools, _ = await self._map()
        return next((s for s in schools.values() if s.code == code), None)

    async def lookup(
        self, address: str, *, stage: str | None = None
    ) -> tuple[str | None, list[tuple[Match, SchoolRow]]]:
        """The district the address names and the school serving it per stage (``districts``)."""
        schools, districts = await self._map()
        district, matches = districts.lookup(address, stage=stage)
        return district, [(m, schools[m.school_id]) for m in matches]

    async def bind_staff(self, staff_id: uuid.UUID, school_id: uuid.UUID, *, by: str) -> SchoolRow:
        """Bind a school account to its school (an operator's act; rebinding moves it)."""
        member = await self._staff.get(staff_id)
        if member.role != SCHOOL_ROLE or not member.active:
            raise NotASchoolAccount()
        school = await self.school(school_id)
        async with transaction(self._engine):
            await self._repository.bind_staff(staff_id, school.id, by=by, now=self._clock.now())
            await self._audit.append(
                actor=by, action="education.staff_bound", subject=f"staff:{staff_id}",
                data={"school": school.code}, chain="education",
            )  # fmt: skip
        return school

    async def school_of(self, staff_id: uuid.UUID) -> SchoolRow:
        """The school a school account works for (``NoSchoolBound`` until an operator binds it)."""
        school_id = await self._repository.school_of(staff_id)
        if school_id is None:
            raise NoSchoolBound()
        return await self.school(school_id)

    async def own_class(self, staff_id: uuid.UUID, class_id: uuid.UUID) -> tuple[SchoolRow, ClassRow]:
        """A class of the staff member's school: 404 when there is none, 403 when it is another's."""
        school = await self.school_of(staff_id)
        found = await self._repository.find_class(class_id)
        if found is None:
            raise ClassNotFound()
        if found.school_id != school.id:
            raise NotYourSchool()
        return school, found

    async def add_class(self, staff_id: uuid.UUID, *, name: str, grade: int, year: int) -> ClassRow:
        school = await self.school_of(staff_id)
        row = ClassRow(
            id=uuid.uuid4(),
            school_id=school.id,
            name=name,
            grade=grade,
            year=year,
            created_at=self._clock.now(),
        )
        with UniqueViolation(raise_as=ClassNameTaken):
            async with transaction(self._engine):
                await self._repository.add_class(row)
                await self._audit.append(
                    actor=f"staff:{staff_id}", action="education.class_added", subject=f"class:{row.id}",
                    data={"school": school.code, "name": name, "year": year}, chain="education",
                )  # fmt: skip
        return row

    async def classes(self, staff_id: uuid.UUID) -> list[ClassRow]:
        return await self._repository.classes((await self.school_of(staff_id)).id)

    async def class_of(self, class_id: uuid.UUID) -> ClassRow:
        found = await self._repository.find_class(class_id)
        if found is None:
            raise ClassNotFound()
        return found

    async def add_guardian(
        self, *, class_id: uuid.UUID, citizen_id: uuid.UUID, enrolment_id: uuid.UUID | None,
        student_name: str, source: str,
    ) -> None:  # fmt: skip
        """Link a parent to a class (inside the caller's transaction): its notices reach them."""
        await self._repository.add_guardian(
            class_id=class_id, citizen_id=citizen_id, enrolment_id=enrolment_id,
            student_name=self._cipher.seal(student_name, column=STUDENT_COLUMN), source=source,
            now=self._clock.now(),
        )  # fmt: skip

    async def post(self, staff_id: uuid.UUID, class_id: uuid.UUID, *, title: str, body: str) -> NoticeRow:
        """Post a notice to the parents of a class of the poster's school: in one transaction the
        notice, a receipt per parent and each parent's notification (in the app, and by subscribe
        message where they authorised one), keyed by notice and parent so none is told twice."""
        school, klass = await self.own_class(staff_id, class_id)
        now = self._clock.now()
        async with transaction(self._engine):
            parents = await self._repository.parents_of(klass.id)
            row = NoticeRow(
                id=uuid.uuid4(), school_id=school.id, class_id=klass.id, title=title, body=body,
                recipients=len(parents), posted_by=f"staff:{staff_id}", posted_at=now,
            )  # fmt: skip
            await self._repository.add_notice(row, parents)
            for parent in parents:
                await self._notifications.notify(
                    parent,
                    template=CLASS_NOTICE,
                    data={"notice_id": row.id, "school": school.name, "class_name": klass.name,
                          "title": title, "at": now},
                    key=f"education:notice:{row.id}:{parent}",
                )  # fmt: skip
            await self._audit.append(
                actor=f"staff:{staff_id}", action="education.notice_posted", subject=f"notice:{row.id}",
                data={"class": str(klass.id), "recipients": len(parents)}, chain="education",
            )  # fmt: skip
        self._notifications.wake()
        return row

    async def class_notices(self, staff_id: uuid.UUID, class_id: uuid.UUID) -> list[tuple[NoticeRow, int]]:
        _, klass = await self.own_class(staff_id, class_id)
        return await self._repository.notices_of_class(klass.id)

    async def receipts(self, staff_id: uuid.UUID, notice_id: uuid.UUID) -> Receipts:
        notice = await self._repository.find_notice(notice_id)
        if notice is None:
            raise NoticeNotFound()
        await self.own_class(staff_id, notice.class_id)
        recipients, read, unread = await self._repository.receipts(notice)
        names = sorted(mask_name(self._cipher.open(u.student_name, column=STUDENT_COLUMN)) for u in unread)
        return Receipts(notice=notice, recipients=recipients, read=read, unread=names)

    async def for_parent(self, citizen_id: uuid.UUID) -> list[ParentNotice]:
        return await self._repository.for_parent(citizen_id)

    async def notice(self, citizen_id: uuid.UUID, notice_id: uuid.UUID) -> ParentNotice:
        """A notice sent to this parent (another's: the 404 of none)."""
        sent, read_at = await self._repository.receipt(notice_id, citizen_id)
        found = await self._repository.find_notice(notice_id) if sent else None
        if found is None:
            raise NoticeNotFound()
        return ParentNotice(notice=found, read_at=read_at)

    async def read(self, citizen_id: uuid.UUID, notice_id: uuid.UUID) -> ParentNotice:
        """The parent read it: the first time counts (a second read keeps the first time)."""
        now = self._clock.now()
        await self._repository.mark_read(notice_id, citizen_id, now)
        return await self.notice(citizen_id, notice_id)

    def student_name(self, sealed: str) -> str:
        return self._cipher.open(sealed, column=STUDENT_COLUMN)
