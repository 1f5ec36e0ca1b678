from piccolo.columns import BigInt, Text, Timestamptz, Varchar
from piccolo.table import Table


class AuditEntry(Table, tablename="audit_entry"):
    """One audited event; ``hash`` = SHA-256(prev_hash ‖ canonical row), so editing, deleting or
    reordering any row breaks every hash after it.

    ``(chain, seq)`` is unique (see the migration): chains let unrelated streams (auth, code scans,
    payments) append without serialising on one head.
    """

    chain = Varchar(length=32, index=True)
    seq = BigInt()
    occurred_at = Timestamptz()
    actor = Varchar(length=128)
    action = Varchar(length=64)
    subject = Varchar(length=128)
    data = Text()
    prev_hash = Varchar(length=64)
    hash = Varchar(length=64)
