from piccolo.columns import UUID, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table


class ServiceItemVersion(Table, tablename="service_item_version"):
    """One version of a service item's definition (``definition.ItemDefinition`` as JSON).

    ``status`` is ``draft`` (an operator edits it) or ``published`` (never changes again: the
    repository's updates are conditional on ``draft``, and on PostgreSQL a trigger refuses any change
    to a published row). ``(code, version)`` is unique, and an item has at most one draft (raw
    migration). The current version of an item is its highest published one.
    """

    id = UUID(primary_key=True)
    code = Varchar(length=16, index=True)
    version = Integer()
    status = Varchar(length=16)
    name = Varchar(length=200)
    department = Varchar(length=200)
    # Lower-cased name, code and aliases, for the catalogue's search.
    search = Text()
    document = Text()
    # SHA-256 of ``document``: what an application records it was checked against.
    digest = Varchar(length=64)
    created_at = Timestamptz()
    created_by = Varchar(length=128)
    published_at = Timestamptz(null=True, default=None)
    published_by = Varchar(length=128, null=True, default=None)
