"""A parent's personal data in education, through the feature's declaration on PostgreSQL: the export
opens the children's sealed names, and the parent's closure deletes every row tied to them (the
enrolment, the class link naming the child, the notices' receipts) while another parent of the same
class keeps theirs."""

from __future__ import annotations

import uuid

from litestar import Litestar

from backend.database import transaction
from backend.education.enrolment import CHILD_COLUMN
from backend.education.privacy import PERSONAL_DATA
from backend.education.repository import EducationRepository, EnrolmentRow
from backend.education.tables import EducationEnrolment, EducationGuardian, EducationReceipt
from backend.personal_data import PersonalDataWalk
from tests.backend.education.factories import education, make_school
from tests.services import Services


async def _count(citizen_id: uuid.UUID) -> dict[str, int]:
    return {
        table._meta.tablename: await table.count().where(table.citizen_id == citizen_id)
        for table in (EducationEnrolment, EducationGuardian, EducationReceipt)
    }


async def test_a_parents_closure_removes_their_childrens_rows_and_keeps_another_parents(
    app: Litestar, services: Services
) -> None:
    school = await make_school(app, services)
    service = education(services)
    klass = await service.add_class(school.staff_id, name="一年级(2)班", grade=1, year=2026)
    closing, staying = uuid.uuid4(), uuid.uuid4()
    enrolment_id = uuid.uuid4()
    await EducationRepository(services.engine).add_enrolment(
        EnrolmentRow(
            id=enrolment_id, citizen_id=closing, stage="primary",
            child_name=services.cipher.seal("张小明", column=CHILD_COLUMN), school_id=school.row.id,
            status="admitted", class_id=klass.id, created_at=services.clock.now(), decided_at=None,
        )
    )  # fmt: skip
    async with transaction(services.engine):
        await service.add_guardian(
            class_id=klass.id, citizen_id=closing, enrolment_id=enrolment_id, student_name="张小明",
            source="admission",
        )  # fmt: skip
        await service.add_guardian(
            class_id=klass.id, citizen_id=staying, enrolment_id=None, student_name="王小芳", source="school"
        )
    await service.post(school.staff_id, klass.id, title="春季运动会通知", body="4月18日上午举行。")
    walk = PersonalDataWalk([PERSONAL_DATA], services.cipher)

    exported = await walk.export(closing)
    assert [r["child_name"] for r in exported["education_enrolment"]] == ["张小明"]
    assert [r["student_name"] for r in exported["education_guardian"]] == ["张小明"]
    assert len(exported["education_receipt"]) == 1

    async with transaction(services.engine):
        touched = await walk.erase(closing)
    assert touched == {"education_enrolment": 1, "education_guardian": 1, "education_receipt": 1}
    assert await _count(closing) == {
        "education_enrolment": 0,
        "education_guardian": 0,
        "education_receipt": 0,
    }
    assert await _count(staying) == {
        "education_enrolment": 0,
        "education_guardian": 1,
        "education_receipt": 1,
    }
    async with transaction(services.engine):
        assert set((await walk.erase(closing)).values()) == {0}
