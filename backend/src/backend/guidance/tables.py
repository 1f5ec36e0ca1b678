from piccolo.columns import UUID, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table


class GuidanceAlias(Table, tablename="guidance_alias"):
    """A phrase staff say leads to a catalogue item (a best bet): indexed with the item's own name and
    aliases. One row per (item, phrase) (raw migration)."""

    id = UUID(primary_key=True)
    item_code = Varchar(length=16)
    phrase = Varchar(length=60)
    created_at = Timestamptz()
    created_by = Varchar(length=128)


class GuidanceFaq(Table, tablename="guidance_faq"):
    """A staff-managed question with its answer. Only ``approved`` ones are ever shown; an edit puts an
    entry back to ``draft`` (its answer must be approved again), ``retired`` ones are kept for the
    audit trail. ``phrasings`` is a JSON list of other ways residents ask it. One row per slug."""

    id = UUID(primary_key=True)
    slug = Varchar(length=64)
    topic = Varchar(length=32)
    question = Varchar(length=200)
    answer = Text()
    phrasings = Text()
    item_code = Varchar(length=16, null=True, default=None)
    status = Varchar(length=16)
    revision = Integer()
    created_at = Timestamptz()
    created_by = Varchar(length=128)
    updated_at = Timestamptz()
    updated_by = Varchar(length=128)
    approved_at = Timestamptz(null=True, default=None)
    approved_by = Varchar(length=128, null=True, default=None)


class GuidanceMiss(Table, tablename="guidance_miss"):
    """A question guidance found nothing for, masked before it is stored (ID numbers, phones, names,
    long digit runs), counted per distinct masked text for staff to mine for aliases and FAQ entries.
    One row per masked question (raw migration)."""

    id = UUID(primary_key=True)
    question = Varchar(length=200)
    asked = Integer()
    first_at = Timestamptz()
    last_at = Timestamptz()
