from piccolo.columns import UUID, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table


class DataExport(Table, tablename="datarights_export"):
    """One export a citizen asked for. ``state``: ``pending`` (the outbox builds it) → ``ready`` →
    ``downloaded`` (once: a conditional UPDATE) or ``expired`` (``expires_at`` passed). ``content``
    is the JSON document sealed under the export's own id, emptied once downloaded or expired."""

    id = UUID(primary_key=True)
    citizen_id = UUID(index=True)
    state = Varchar(length=16)
    content = Text(default="", secret=True)
    size = Integer(default=0)
    requested_at = Timestamptz()
    ready_at = Timestamptz(null=True, default=None)
    expires_at = Timestamptz(null=True, default=None)
    downloaded_at = Timestamptz(null=True, default=None)


class DataClosure(Table, tablename="datarights_closure"):
    """A closed (or closing) account: the citizen's id only (no name, ID number or phone), when it
    was asked for and when the outbox finished it; ``summary`` is rows deleted/scrubbed per table.
    Kept as the record that the request was honoured (see docs/data-retention.md)."""

    citizen_id = UUID(primary_key=True)
    requested_at = Timestamptz()
    done_at = Timestamptz(null=True, default=None)
    summary = Text(default="{}")
