"""Schools and their districts, classes, school accounts, enrolments, guardians, notices and receipts.
A receipt per (notice, parent) is unique: a notice reaches a parent once, and reading it is one
conditional UPDATE."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import msgspec

from backend.clock import as_utc, as_utc_or_none
from backend.database import Repository
from backend.education.tables import (
    EducationCatchment,
    EducationClass,
    EducationEnrolment,
    EducationGuardian,
    EducationNotice,
    EducationReceipt,
    EducationSchool,
    EducationSchoolStaff,
)


class SchoolRow(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    code: str
    name: str
    stage: str
    district: str
    address: str
    phone: str


class CatchmentRow(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    school_id: uuid.UUID
    district: str
    road: str
    from_no: int
    to_no: int
    parity: str
    community: str


class ClassRow(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    school_id: uuid.UUID
    name: str
    grade: int
    year: int
    created_at: datetime


class EnrolmentRow(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    citizen_id: uuid.UUID
    stage: str
    child_name: str  # sealed
    school_id: uuid.UUID | None
    status: str
    class_id: uuid.UUID | None
    created_at: datetime
    decided_at: datetime | None


class NoticeRow(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    school_id: uuid.UUID
    class_id: uuid.UUID
    title: str
    body: str
    recipients: int
    posted_by: str
    posted_at: datetime


class ParentNotice(msgspec.Struct, frozen=True, kw_only=True):
    notice: NoticeRow
    read_at: datetime | None


class Unread(msgspec.Struct, frozen=True, kw_only=True):
    citizen_id: uuid.UUID
    student_name: str  # sealed


def _notice(raw: dict[str, Any]) -> NoticeRow:
    posted_at = _timestamp(raw["posted_at"])
    assert posted_at is not None
    return msgspec.convert({**raw, "posted_at": as_utc(posted_at)}, NoticeRow, strict=False)


def _enrolment(raw: dict[str, Any]) -> EnrolmentRow:
    fixed = {**raw, "created_at": as_utc(raw["created_at"]), "decided_at": as_utc_or_none(raw["decided_at"])}
    return msgspec.convert(fixed, EnrolmentRow, strict=False)


def _class(raw: dict[str, Any]) -> ClassRow:
    return msgspec.convert({**raw, "created_at": as_utc(raw["created_at"])}, ClassRow, strict=False)


class EducationRepository(Repository):
    async def add_school(self, row: SchoolRow, lines: list[CatchmentRow]) -> None:
        """Raises a unique violation when the code is taken."""
        await EducationSchool.insert(EducationSchool(**msgspec.structs.asdict(row)))
        if lines:
            await EducationCatchment.insert(
                *(EducationCatchment(**msgspec.structs.asdict(li)) for li in lines)
            )

    async def has_school_code(self, code: str) -> bool:
        return await EducationSchool.exists().where(EducationSchool.code == code)

    async def schools(self) -> list[SchoolRow]:
        rows = await EducationSchool.select().order_by(EducationSchool.code)
        return [msgspec.convert(r, SchoolRow, strict=False) for r in rows]

    async def catchments(self) -> list[CatchmentRow]:
        rows = await EducationCatchment.select().order_by(EducationCatchment.school_id)
        return [msgspec.convert(r, CatchmentRow, strict=False) for r in rows]

    async def add_class(self, row: ClassRow) -> None:
        """Raises a unique violation when the school has the name for the year."""
        await EducationClass.insert(EducationClass(**msgspec.structs.asdict(row)))

    async def find_class(self, class_id: uuid.UUID) -> ClassRow | None:
        raw = await EducationClass.select().where(EducationClass.id == class_id).first()
        return None if raw is None else _class(raw)

    async def classes(self, school_id: uuid.UUID) -> list[ClassRow]:
        rows = await (
            EducationClass.select()
            .where(EducationClass.school_id == school_id)
            .order_by(EducationClass.year, ascending=False)
            .order_by(EducationClass.name)
        )
        return [_class(r) for r in rows]

    async def bind_staff(self, staff_id: uuid.UUID, school_id: uuid.UUID, *, by: str, now: datetime) -> None:
        await EducationSchoolStaff.delete().where(EducationSchoolStaff.staff_id == staff_id)
        await EducationSchoolStaff.insert(
            EducationSchoolStaff(staff_id=staff_id, school_id=school_id, bound_by=by, bound_at=now)
        )

    async def school_of(self, staff_id: uuid.UUID) -> uuid.UUID | None:
        raw = await (
            EducationSchoolStaff.select(EducationSchoolStaff.school_id)
            .where(EducationSchoolStaff.staff_id == staff_id)
            .first()
        )
        return None if raw is None else msgspec.convert(raw["school_id"], uuid.UUID, strict=False)

    async def add_enrolment(self, row: EnrolmentRow) -> None:
        await EducationEnrolment.insert(EducationEnrolment(**msgspec.structs.asdict(row))).on_conflict(
            action="DO NOTHING"
        )

    async def find_enrolment(self, enrolment_id: uuid.UUID) -> EnrolmentRow | None:
        raw = await EducationEnrolment.select().where(EducationEnrolment.id == enrolment_id).first()
        return None if raw is None else _enrolment(raw)

    async def enrolments_of(self, citizen_id: uuid.UUID) -> list[EnrolmentRow]:
        rows = await (
            EducationEnrolment.select()
            .where(EducationEnrolment.citizen_id == citizen_id)
            .order_by(EducationEnrolment.created_at, ascending=False)
            .limit(50)
        )
        return [_enrolment(r) for r in rows]

    async def admitted_to(self, school_id: uuid.UUID, *, limit: int = 500) -> list[EnrolmentRow]:
        rows = await (
            EducationEnrolment.select()
            .where((EducationEnrolment.school_id == school_id) & (EducationEnrolment.status == "admitted"))
            .order_by(EducationEnrolment.decided_at)
            .limit(limit)
        )
        return [_enrolment(r) for r in rows]

    async def decide(
        self, enrolment_id: uuid.UUID, *, status: str, school_id: uuid.UUID | None, now: datetime
    ) -> None:
        await EducationEnrolment.update(
            {
                EducationEnrolment.status: status,
                EducationEnrolment.school_id: school_id,
                EducationEnrolment.decided_at: now,
            }
        ).where(EducationEnrolment.id == enrolment_id)

    async def place(self, enrolment_id: uuid.UUID, class_id: uuid.UUID) -> bool:
        """Put an admitted, unplaced child in a class: one conditional UPDATE (a second placement, or
        two racing, finds it placed)."""
        rows = await (
            EducationEnrolment.update({EducationEnrolment.class_id: class_id})
            .where(
                (EducationEnrolment.id == enrolment_id)
                & (EducationEnrolment.status == "admitted")
                & EducationEnrolment.class_id.is_null()
            )
            .returning(EducationEnrolment.id)
        )
        return bool(rows)

    async def add_guardian(
        self,
        *,
        class_id: uuid.UUID,
        citizen_id: uuid.UUID,
        enrolment_id: uuid.UUID | None,
        student_name: str,
        source: str,
        now: datetime,
    ) -> None:
        await EducationGuardian.insert(
            EducationGuardian(
                id=uuid.uuid4(),
                class_id=class_id,
                citizen_id=citizen_id,
                enrolment_id=enrolment_id,
                student_name=student_name,
                source=source,
                created_at=now,
            )
        )

    async def parents_of(self, class_id: uuid.UUID) -> list[uuid.UUID]:
        rows = await (
            EducationGuardian.select(EducationGuardian.citizen_id)
            .where(EducationGuardian.class_id == class_id)
            .distinct()
        )
        return [msgspec.convert(r["citizen_id"], uuid.UUID, strict=False) for r in rows]

    async def add_notice(self, row: NoticeRow, parents: list[uuid.UUID]) -> None:
        await EducationNotice.insert(EducationNotice(**msgspec.structs.asdict(row)))
        if parents:
            await EducationReceipt.insert(
                *(EducationReceipt(id=uuid.uuid4(), notice_id=row.id, citizen_id=p) for p in parents)
            )

    async def find_notice(self, notice_id: uuid.UUID) -> NoticeRow | None:
        raw = await EducationNotice.select().where(EducationNotice.id == notice_id).first()
        return None if raw is None else _notice(raw)

    async def notices_of_class(self, class_id: uuid.UUID, *, limit: int = 50) -> list[tuple[NoticeRow, int]]:
        """The class's notices, newest first, each with how many parents have read it."""
        rows = await (
            EducationNotice.select()
            .where(EducationNotice.class_id == class_id)
            .order_by(EducationNotice.posted_at, ascending=False)
            .limit(limit)
        )
        notices = [_notice(r) for r in rows]
        if not notices:
            return []
        counted = await EducationReceipt.select(EducationReceipt.notice_id).where(
            EducationReceipt.notice_id.is_in([n.id for n in notices]) & EducationReceipt.read_at.is_not_null()
        )
        reads: dict[str, int] = {}
        for r in counted:
            reads[str(r["notice_id"])] = reads.get(str(r["notice_id"]), 0) + 1
        return [(n, reads.get(str(n.id), 0)) for n in notices]

    async def for_parent(self, citizen_id: uuid.UUID, *, limit: int = 50) -> list[ParentNotice]:
        """The notices sent to a parent, newest first, with when they read each (the hot path: one
        indexed query)."""
        rows = await EducationReceipt.raw(
            "SELECT n.id, n.school_id, n.class_id, n.title, n.body, n.recipients, n.posted_by, "
            "n.posted_at, r.read_at FROM education_receipt r JOIN education_notice n ON n.id = r.notice_id "
            "WHERE r.citizen_id = {} ORDER BY n.posted_at DESC LIMIT {}",
            citizen_id,
            limit,
        )
        return [
            ParentNotice(
                notice=_notice({k: v for k, v in r.items() if k != "read_at"}),
                read_at=as_utc_or_none(_timestamp(r["read_at"])),
            )
            for r in rows
        ]

    async def receipt(self, notice_id: uuid.UUID, citizen_id: uuid.UUID) -> tuple[bool, datetime | None]:
        """(the parent got the notice, when they read it)."""
        raw = await (
            EducationReceipt.select(EducationReceipt.read_at)
            .where((EducationReceipt.notice_id == notice_id) & (EducationReceipt.citizen_id == citizen_id))
            .first()
        )
        return (False, None) if raw is None else (True, as_utc_or_none(raw["read_at"]))

    async def mark_read(self, notice_id: uuid.UUID, citizen_id: uuid.UUID, now: datetime) -> bool:
        rows = await (
            EducationReceipt.update({EducationReceipt.read_at: now})
            .where(
                (EducationReceipt.notice_id == notice_id)
                & (EducationReceipt.citizen_id == citizen_id)
                & EducationReceipt.read_at.is_null()
            )
            .returning(EducationReceipt.id)
        )
        return bool(rows)

    async def receipts(self, notice: NoticeRow) -> tuple[int, int, list[Unread]]:
        """(parents sent to, parents who read it, the pupils of the class whose parents have not)."""
        rows = await EducationReceipt.select(EducationReceipt.citizen_id, EducationReceipt.read_at).where(
            EducationReceipt.notice_id == notice.id
        )
        unread = {str(r["citizen_id"]) for r in rows if r["read_at"] is None}
        guardians = await EducationGuardian.select(
            EducationGuardian.citizen_id, EducationGuardian.student_name
        ).where(EducationGuardian.class_id == notice.class_id)
        pupils = [
            Unread(
                citizen_id=msgspec.convert(g["citizen_id"], uuid.UUID, strict=False),
                student_name=g["student_name"],
            )
            for g in guardians
            if str(g["citizen_id"]) in unread
        ]
        return len(rows), len(rows) - len(unread), pupils


def _timestamp(value: Any) -> datetime | None:
    """A raw query's timestamp: SQLite answers text, PostgreSQL a datetime."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))
