"""What the education feature relies on and piccolo's auto migrations can't say (raw steps run before
table changes within one migration, hence a separate one): one school per code, one class of a name per
school and year, one receipt per notice and parent (a notice reaches a parent once), one guardian link
per class, parent and pupil; lookup indexes for a parent's notices and a class's."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-03T13:19:13:000000"
VERSION = "1.38.0"
DESCRIPTION = "education: unique codes, classes, receipts and guardians; notice lookup indexes"

_STATEMENTS = (
    "CREATE UNIQUE INDEX education_school_code ON education_school (code)",
    "CREATE UNIQUE INDEX education_class_name ON education_class (school_id, year, name)",
    "CREATE UNIQUE INDEX education_receipt_once ON education_receipt (citizen_id, notice_id)",
    "CREATE INDEX education_receipt_notice ON education_receipt (notice_id)",
    "CREATE UNIQUE INDEX education_guardian_once ON education_guardian (class_id, citizen_id, enrolment_id)",
    "CREATE INDEX education_notice_class ON education_notice (class_id, posted_at)",
    "CREATE INDEX education_enrolment_school ON education_enrolment (school_id, status)",
)


async def _constraints() -> None:
    engine = engine_finder()
    assert engine is not None
    for statement in _STATEMENTS:
        await engine.run_ddl(statement)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="education", description=DESCRIPTION)
    manager.add_raw(_constraints)
    return manager
