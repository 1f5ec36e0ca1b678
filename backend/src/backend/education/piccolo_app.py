import os

from piccolo.conf.apps import AppConfig

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

APP_CONFIG = AppConfig(
    app_name="education",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[
        EducationSchool,
        EducationCatchment,
        EducationClass,
        EducationSchoolStaff,
        EducationEnrolment,
        EducationGuardian,
        EducationNotice,
        EducationReceipt,
    ],
)
