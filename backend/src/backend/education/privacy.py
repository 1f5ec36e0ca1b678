"""Education: the children a parent enrols (the child's name sealed), the classes they are placed in
(the parent's link to a class, the pupil's name sealed) and the parent's notice receipts. The
children are minors under 14, so their names are sensitive personal data (PIPL art. 28, 31): a
parent's closure deletes every enrolment and class link tied to that parent; the child's place in the
school's own roll (学籍) is the school's record, not ours. No blocker of its own: an enrolment under
the department's decision is an open application, which already blocks the closure."""

from __future__ import annotations

from backend.education.enrolment import CHILD_COLUMN
from backend.education.service import STUDENT_COLUMN
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
from backend.personal_data import Category, Held, PersonalData

PERSONAL_DATA = PersonalData(
    categories=(
        Category(
            name="education",
            description="The children you enrolled for school (their names), the admission results, "
            "the classes they were placed in, and which home–school notices you received and read",
            purpose="School enrolment (入学报名) and admission; home–school notices (家校通知) to parents",
            legal_basis="PIPL art. 13(3) (compulsory-education enrolment, a public duty) and art. 31 "
            "(a minor's data processed with the guardian's consent, given by enrolling)",
            retention="While the account is open; deleted with it (the school keeps its own pupil roll)",
        ),
    ),
    held=(
        Held(
            table=EducationEnrolment,
            category="education",
            sealed={"child_name": CHILD_COLUMN},
        ),
        Held(
            table=EducationGuardian,
            category="education",
            sealed={"student_name": STUDENT_COLUMN},
        ),
        Held(table=EducationReceipt, category="education"),
    ),
    unrelated={
        EducationSchool: "schools (the education bureau's catalogue)",
        EducationCatchment: "school districts' lines (学区划分): roads, house numbers, communities",
        EducationClass: "a school's classes: name, grade, year",
        EducationSchoolStaff: "which school a staff account works for (staff, not citizens)",
        EducationNotice: "a school's notice to a class: title and body, posted by staff; who received "
        "it is in the receipts",
    },
)
