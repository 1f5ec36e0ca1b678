from piccolo.columns import UUID, Boolean, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table


class StaffAccount(Table, tablename="staff_account"):
    """A person working the platform: an ``operator`` (administers it) or ``counter`` staff.

    ``username`` is stored lower-case and is unique (see the migration). ``failed_logins`` counts
    login attempts since the last success, each counted before its password is checked; the failure
    that reaches the limit sets ``locked_until`` and starts counting again.
    """

    id = UUID(primary_key=True)
    username = Varchar(length=64)
    display_name = Varchar(length=64)
    role = Varchar(length=16)
    password_hash = Text(secret=True)
    active = Boolean(default=True)
    failed_logins = Integer(default=0)
    locked_until = Timestamptz(null=True, default=None)
    created_at = Timestamptz()
