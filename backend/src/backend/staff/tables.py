from piccolo.columns import UUID, Boolean, Text, Timestamptz, Varchar
from piccolo.table import Table


class StaffAccount(Table, tablename="staff_account"):
    """A person working the platform: an ``operator`` (administers it) or ``counter`` staff.

    ``username`` is stored lower-case and is unique (see the migration). Failed logins are counted in
    the store by ``backend.auth.throttle``, keyed by the username: unknown names count the same way.
    """

    id = UUID(primary_key=True)
    username = Varchar(length=64)
    display_name = Varchar(length=64)
    role = Varchar(length=16)
    password_hash = Text(secret=True)
    active = Boolean(default=True)
    created_at = Timestamptz()
