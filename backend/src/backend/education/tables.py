"""Tables of the education feature (教育一站直通). Unique indexes are in the second migration."""

from piccolo.columns import UUID, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table


class EducationSchool(Table, tablename="education_school"):
    """A compulsory-education school; ``code`` is the education bureau's (``SQ-XX-0001``), ``stage``
    ``primary`` (小学) or ``junior`` (初中)."""

    id = UUID(primary_key=True)
    code = Varchar(length=16)
    name = Varchar(length=64)
    stage = Varchar(length=8)
    district = Varchar(length=16)
    address = Varchar(length=128)
    phone = Varchar(length=20)


class EducationCatchment(Table, tablename="education_catchment"):
    """One line of a school's district (学区划分): a residential community (小区, matched by name
    anywhere in the address), or house numbers ``from_no``..``to_no`` of a road in a district, all of
    them or only the odd or even side (``parity``)."""

    id = UUID(primary_key=True)
    school_id = UUID(index=True)
    district = Varchar(length=16)
    road = Varchar(length=32, default="")
    from_no = Integer(default=0)
    to_no = Integer(default=0)
    parity = Varchar(length=4, default="all")
    community = Varchar(length=32, default="")


class EducationClass(Table, tablename="education_class"):
    """A class (班级) of a school: ``grade`` 1-9, ``year`` it entered."""

    id = UUID(primary_key=True)
    school_id = UUID(index=True)
    name = Varchar(length=32)
    grade = Integer()
    year = Integer()
    created_at = Timestamptz()


class EducationSchoolStaff(Table, tablename="education_school_staff"):
    """The school a staff member of the ``school`` role works for (an operator binds it)."""

    staff_id = UUID(primary_key=True)
    school_id = UUID()
    bound_by = Varchar(length=128)
    bound_at = Timestamptz()


class EducationEnrolment(Table, tablename="education_enrolment"):
    """A school enrolment (入学报名): the application it was filed as (``id`` is the application's),
    the child (name sealed), the school the form named, and the admission: ``applied`` →
    ``admitted`` / ``not_admitted`` when the department decides; ``class_id`` once the school places
    the child."""

    id = UUID(primary_key=True)
    citizen_id = UUID(index=True)
    stage = Varchar(length=8)
    child_name = Text(secret=True)
    school_id = UUID(null=True, default=None)
    status = Varchar(length=16)
    class_id = UUID(null=True, default=None)
    created_at = Timestamptz()
    decided_at = Timestamptz(null=True, default=None)


class EducationGuardian(Table, tablename="education_guardian"):
    """A parent of a pupil of a class (家长): the citizen the class's notices reach. ``source`` is
    how the link was made: ``admission`` (the school placed an admitted child)."""

    id = UUID(primary_key=True)
    class_id = UUID()
    citizen_id = UUID(index=True)
    enrolment_id = UUID(null=True, default=None)
    student_name = Text(secret=True)
    source = Varchar(length=16)
    created_at = Timestamptz()


class EducationNotice(Table, tablename="education_notice"):
    """A home–school notice (家校通知) a school posted to the parents of a class; ``recipients`` is how
    many parents it was sent to when it was posted."""

    id = UUID(primary_key=True)
    school_id = UUID()
    class_id = UUID()
    title = Varchar(length=64)
    body = Text()
    recipients = Integer()
    posted_by = Varchar(length=128)
    posted_at = Timestamptz()


class EducationReceipt(Table, tablename="education_receipt"):
    """A notice's delivery to one parent and when they read it (回执)."""

    id = UUID(primary_key=True)
    notice_id = UUID()
    citizen_id = UUID()
    read_at = Timestamptz(null=True, default=None)
