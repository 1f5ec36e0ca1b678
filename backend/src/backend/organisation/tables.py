from piccolo.columns import UUID, Timestamptz, Varchar
from piccolo.table import Table


class Organisation(Table, tablename="organisation"):
    """An organisation (法人) claimed by its legal representative. The credit code is public
    registration data (企业信用信息公示), kept in clear; one row per code (a unique index).
    ``representative_id`` is the nil UUID while nobody represents it (the registry stopped naming the
    last one; the next claims it); ``recheck_at`` is when the registry is asked again (daily)."""

    id = UUID(primary_key=True)
    credit_code = Varchar(length=18)
    name = Varchar(length=200)
    kind = Varchar(length=24)
    representative_id = UUID(index=True)
    claimed_at = Timestamptz()
    recheck_at = Timestamptz(null=True, default=None)


class OrganisationGrant(Table, tablename="organisation_grant"):
    """Who may act for an organisation: its representative (every scope, no expiry) and the agents
    (经办人) the representative authorised, with scopes and an expiry. Revoked grants stay (the
    audit names them); at most one live grant per person and organisation (a partial unique index)."""

    id = UUID(primary_key=True)
    organisation_id = UUID(index=True)
    citizen_id = UUID(index=True)
    role = Varchar(length=16)
    scopes = Varchar(length=64)
    expires_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)
    granted_by = UUID()
    created_at = Timestamptz()
