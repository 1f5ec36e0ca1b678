"""Education (教育一站直通) over HTTP: anyone looks up the school district of an address; a citizen
starts a school enrolment (prefilled) and reads their children's class notices; a school account
manages its classes, places admitted children and posts notices with read receipts; an operator binds
a school account to its school."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from backend.access import ANYONE
from backend.auth.guards import CITIZEN, staff
from backend.auth.principal import Principal
from backend.catalogue.errors import ItemNotFound
from backend.education.districts import Match
from backend.education.enrolment import EnrolmentService
from backend.education.errors import (
    AgeOutOfRange,
    AlreadyPlaced,
    ClassNameTaken,
    ClassNotFound,
    EnrolmentNotFound,
    NoHouseholdRegister,
    NoSchoolBound,
    NotAdmitted,
    NotASchoolAccount,
    NoticeNotFound,
    NotYourChild,
    NotYourSchool,
    RegisterUnavailable,
    SchoolNotFound,
)
from backend.education.repository import ClassRow, EnrolmentRow, NoticeRow, ParentNotice, SchoolRow
from backend.education.schemas import (
    ClassCreate,
    ClassPage,
    ClassRead,
    DistrictLookup,
    DistrictSchool,
    EnrolmentCreate,
    EnrolmentPage,
    EnrolmentRead,
    EnrolmentStarted,
    NoticeCreate,
    NoticeRead,
    ParentNoticePage,
    ParentNoticeRead,
    Placement,
    ReceiptsRead,
    SchoolNotice,
    SchoolNoticePage,
    SchoolPage,
    SchoolRead,
    StaffBinding,
    Stage,
)
from backend.education.service import EducationService
from backend.staff.errors import StaffNotFound

OWNS_NOTICE = {"notice_id": "education.notice"}
Address = Annotated[str, QueryParameter(min_length=2, max_length=200)]
District = Annotated[str | None, QueryParameter(min_length=2, max_length=16)]
StageQuery = Annotated[Stage | None, QueryParameter()]
SCHOOL_ERRORS = (NoSchoolBound,)


def _school(row: SchoolRow) -> SchoolRead:
    return SchoolRead(
        id=row.id, code=row.code, name=row.name, stage=row.stage, district=row.district,
        address=row.address, phone=row.phone,
    )  # fmt: skip


def _district_school(found: tuple[Match, SchoolRow]) -> DistrictSchool:
    match, school = found
    return DistrictSchool(
        stage=match.stage, school=_school(school), matched_by=match.by, line=match.line.describe()
    )


def _class(row: ClassRow) -> ClassRead:
    return ClassRead(id=row.id, school_id=row.school_id, name=row.name, grade=row.grade, year=row.year)


def _notice(row: NoticeRow) -> NoticeRead:
    return NoticeRead(
        id=row.id, school_id=row.school_id, class_id=row.class_id, title=row.title, body=row.body,
        posted_at=row.posted_at, recipients=row.recipients,
    )  # fmt: skip


def _parent_notice(found: ParentNotice) -> ParentNoticeRead:
    return ParentNoticeRead(notice=_notice(found.notice), read_at=found.read_at)


def _enrolment(row: EnrolmentRow, enrolments: EnrolmentService) -> EnrolmentRead:
    return EnrolmentRead(
        id=row.id, stage=row.stage, child_name=enrolments.child_name(row), school_id=row.school_id,
        status=row.status, class_id=row.class_id, created_at=row.created_at, decided_at=row.decided_at,
    )  # fmt: skip


class EducationController(Controller):
    path = "/api/v1/education"
    tags = ("education",)
    opt = {"access": CITIZEN}  # noqa: RUF012 (Litestar's declaration style)

    @get("/schools", summary="Compulsory-education schools (filter by district, stage)", access=ANYONE)
    async def schools(
        self,
        education: NamedDependency[EducationService],
        district: District = None,
        stage: StageQuery = None,
    ) -> SchoolPage:
        return SchoolPage(items=[_school(s) for s in await education.schools(district=district, stage=stage)])

    @get(
        "/school-districts",
        summary="The school district (学区) of an address: the school serving it per stage",
        description="The address as a parent types it (full-width digits and spaces are fine). A "
        "community (小区) named in it wins over its road and house number. No school for a stage means "
        "no district line covers the address: the bureau places such a child (统筹安排).",
        access=ANYONE,
    )
    async def lookup(
        self, address: Address, education: NamedDependency[EducationService], stage: StageQuery = None
    ) -> DistrictLookup:
        district, found = await education.lookup(address, stage=stage)
        return DistrictLookup(district=district, schools=[_district_school(f) for f in found])

    @post(
        "/enrolments",
        status_code=HTTP_201_CREATED,
        summary="Start a school enrolment (入学报名): an application draft prefilled for you to confirm",
        description="The child must be on your household register (户籍) and of age for the stage. The "
        "draft is filled from the register, your property licence and the school district; submit it "
        "through `/api/v1/applications/{id}`. The admission result is sent to you when the education "
        "bureau decides.",
        errors=(NotYourChild, NoHouseholdRegister, AgeOutOfRange, RegisterUnavailable, ItemNotFound),
    )
    async def enrol(
        self,
        data: JSONBody[EnrolmentCreate],
        enrolments: NamedDependency[EnrolmentService],
        principal: NamedDependency[Principal],
    ) -> EnrolmentStarted:
        started = await enrolments.start(principal.id, child_id_number=data.child_id_number, stage=data.stage)
        return EnrolmentStarted(
            enrolment=_enrolment(started.enrolment, enrolments),
            application_id=started.application.row.id,
            data=started.application.data,
            provenance=started.application.provenance,
            district=started.district,
            school=_district_school(started.school) if started.school else None,
        )

    @get("/enrolments", summary="Your school enrolments and their admission results")
    async def enrolments(
        self, enrolments: NamedDependency[EnrolmentService], principal: NamedDependency[Principal]
    ) -> EnrolmentPage:
        return EnrolmentPage(items=[_enrolment(r, enrolments) for r in await enrolments.mine(principal.id)])

    @get("/notices", summary="Notices from your children's classes, newest first, with when you read each")
    async def notices(
        self, education: NamedDependency[EducationService], principal: NamedDependency[Principal]
    ) -> ParentNoticePage:
        return ParentNoticePage(items=[_parent_notice(n) for n in await education.for_parent(principal.id)])

    @get(
        "/notices/{notice_id:uuid}",
        summary="A notice from your child's class",
        owns=OWNS_NOTICE,
        errors=(NoticeNotFound,),
    )
    async def notice(
        self,
        notice_id: FromPath[uuid.UUID],
        education: NamedDependency[EducationService],
        principal: NamedDependency[Principal],
    ) -> ParentNoticeRead:
        return _parent_notice(await education.notice(principal.id, notice_id))

    @post(
        "/notices/{notice_id:uuid}/read",
        status_code=HTTP_200_OK,
        summary="Mark a notice read (the school sees the read receipt; the first read counts)",
        owns=OWNS_NOTICE,
        errors=(NoticeNotFound,),
    )
    async def read(
        self,
        notice_id: FromPath[uuid.UUID],
        education: NamedDependency[EducationService],
        principal: NamedDependency[Principal],
    ) -> ParentNoticeRead:
        return _parent_notice(await education.read(principal.id, notice_id))


class SchoolController(Controller):
    path = "/api/v1/education/school"
    tags = ("education",)
    opt = {"access": staff("school")}  # noqa: RUF012 (Litestar's declaration style)

    @get("/classes", summary="Your school's classes", errors=SCHOOL_ERRORS)
    async def classes(
        self, education: NamedDependency[EducationService], principal: NamedDependency[Principal]
    ) -> ClassPage:
        return ClassPage(items=[_class(c) for c in await education.classes(principal.id)])

    @post(
        "/classes", status_code=HTTP_201_CREATED, summary="Add a class to your school",
        errors=(*SCHOOL_ERRORS, ClassNameTaken),
    )  # fmt: skip
    async def add_class(
        self,
        data: JSONBody[ClassCreate],
        education: NamedDependency[EducationService],
        principal: NamedDependency[Principal],
    ) -> ClassRead:
        return _class(
            await education.add_class(principal.id, name=data.name, grade=data.grade, year=data.year)
        )

    @get(
        "/enrolments",
        summary="Children admitted to your school, placed in a class or not yet",
        errors=SCHOOL_ERRORS,
    )
    async def admitted(
        self, enrolments: NamedDependency[EnrolmentService], principal: NamedDependency[Principal]
    ) -> EnrolmentPage:
        return EnrolmentPage(
            items=[_enrolment(r, enrolments) for r in await enrolments.admitted(principal.id)]
        )

    @post(
        "/enrolments/{enrolment_id:uuid}/placement",
        status_code=HTTP_200_OK,
        summary="Place an admitted child in a class: their parent then gets the class's notices",
        errors=(*SCHOOL_ERRORS, ClassNotFound, NotYourSchool, EnrolmentNotFound, NotAdmitted, AlreadyPlaced),
    )
    async def place(
        self,
        enrolment_id: FromPath[uuid.UUID],
        data: JSONBody[Placement],
        enrolments: NamedDependency[EnrolmentService],
        principal: NamedDependency[Principal],
    ) -> EnrolmentRead:
        return _enrolment(await enrolments.place(principal.id, enrolment_id, data.class_id), enrolments)

    @post(
        "/classes/{class_id:uuid}/notices",
        status_code=HTTP_201_CREATED,
        summary="Post a notice to the parents of a class of your school (in the app, by subscribe message)",
        description="A class of another school is refused (403 `education.not_your_school`).",
        errors=(*SCHOOL_ERRORS, ClassNotFound, NotYourSchool),
    )
    async def post_notice(
        self,
        class_id: FromPath[uuid.UUID],
        data: JSONBody[NoticeCreate],
        education: NamedDependency[EducationService],
        principal: NamedDependency[Principal],
    ) -> NoticeRead:
        return _notice(await education.post(principal.id, class_id, title=data.title, body=data.body))

    @get(
        "/classes/{class_id:uuid}/notices",
        summary="A class's notices, newest first, each with how many parents have read it",
        errors=(*SCHOOL_ERRORS, ClassNotFound, NotYourSchool),
    )
    async def class_notices(
        self,
        class_id: FromPath[uuid.UUID],
        education: NamedDependency[EducationService],
        principal: NamedDependency[Principal],
    ) -> SchoolNoticePage:
        found = await education.class_notices(principal.id, class_id)
        return SchoolNoticePage(items=[SchoolNotice(notice=_notice(n), read=read) for n, read in found])

    @get(
        "/notices/{notice_id:uuid}/receipts",
        summary="Read receipts of a notice: how many parents read it, and whose have not",
        errors=(*SCHOOL_ERRORS, NoticeNotFound, ClassNotFound, NotYourSchool),
    )
    async def receipts(
        self,
        notice_id: FromPath[uuid.UUID],
        education: NamedDependency[EducationService],
        principal: NamedDependency[Principal],
    ) -> ReceiptsRead:
        found = await education.receipts(principal.id, notice_id)
        return ReceiptsRead(
            notice_id=found.notice.id, class_id=found.notice.class_id, recipients=found.recipients,
            read=found.read, unread=found.recipients - found.read, unread_pupils=found.unread,
        )  # fmt: skip


class EducationAdminController(Controller):
    path = "/api/v1/education/admin"
    tags = ("education",)
    opt = {"access": staff("operator")}  # noqa: RUF012 (Litestar's declaration style)

    @put(
        "/school-staff/{staff_id:uuid}",
        summary="Bind a staff account of the school role to its school",
        errors=(StaffNotFound, NotASchoolAccount, SchoolNotFound),
    )
    async def bind(
        self,
        staff_id: FromPath[uuid.UUID],
        data: JSONBody[StaffBinding],
        education: NamedDependency[EducationService],
        principal: NamedDependency[Principal],
    ) -> SchoolRead:
        return _school(await education.bind_staff(staff_id, data.school_id, by=principal.subject))
