from piccolo.columns import UUID, BigInt, Boolean, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table


class StaffAccount(Table, tablename="staff_account"):
    """A person working the platform: an ``operator`` (administers it) or ``counter`` staff.

    ``username`` is stored lower-case and is unique (see the migration). Failed logins are counted in
    the store by ``backend.auth.throttle``, keyed by the username: unknown names count the same way.
    ``active`` false: disabled by an operator, no login. ``must_change_password``: an operator set the
    password, so the next login can only change it (``backend.staff.login``). ``setup_generation``,
    ``setup_holder`` and ``setup_settled`` decide which restricted (setup) tokens still count
    (``backend.staff.setup``): those issued at the current generation, and the one token (its ``jti``)
    that settled a step since, with the steps it settled.
    """

    id = UUID(primary_key=True)
    username = Varchar(length=64)
    display_name = Varchar(length=64)
    role = Varchar(length=16)
    password_hash = Text(secret=True)
    active = Boolean(default=True)
    created_at = Timestamptz()
    must_change_password = Boolean(default=False)
    setup_generation = BigInt(default=0)
    setup_holder = Varchar(length=64, null=True, default=None)
    setup_settled = Varchar(length=64, default="")


class StaffTotp(Table, tablename="staff_totp"):
    """A staff member's authenticator (TOTP, ``backend.staff.totp``): one row per member.

    ``secret`` is the confirmed one, ``pending_secret`` one being enrolled until its first code confirms
    it (or ``pending_expires_at`` passes); both sealed with the data key and bound to the member
    (``backend.crypto``, column ``staff_totp:<staff id>``). ``last_step`` is the time step of the last
    code accepted: a code counts only for a later step, decided by a conditional UPDATE, so each code
    is accepted once however many requests race with it. ``code_failures`` counts wrong codes in a
    row; at ``StaffSettings.code_failure_limit`` codes are refused until a reset (never by time).
    """

    staff_id = UUID(primary_key=True)
    secret = Text(null=True, default=None, secret=True)
    confirmed_at = Timestamptz(null=True, default=None)
    last_step = BigInt(default=0)
    pending_secret = Text(null=True, default=None, secret=True)
    pending_expires_at = Timestamptz(null=True, default=None)
    code_failures = Integer(default=0)


class StaffRecoveryCode(Table, tablename="staff_recovery_code"):
    """One single-use recovery code, kept only as a keyed hash (HMAC with a key derived from the index
    key, over the member's id and the code): a database dump alone yields nothing to try."""

    id = UUID(primary_key=True)
    staff_id = UUID(index=True)
    code_hash = Varchar(length=64, secret=True)
    created_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)
