from piccolo.columns import UUID, Timestamptz, Varchar
from piccolo.table import Table


class ScannerDevice(Table, tablename="scanner_device"):
    """A registered scanner. Its credential is 256 random bits shown once at registration; only
    its SHA-256 is kept (a secret that long needs no slow hash). ``revoked_at`` ends it for good."""

    id = UUID(primary_key=True)
    scene = Varchar(length=32)
    venue = Varchar(length=128)
    credential_hash = Varchar(length=64, secret=True)
    registered_by = UUID()
    created_at = Timestamptz()
    revoked_at = Timestamptz(null=True, default=None)
    revoked_by = UUID(null=True, default=None)
