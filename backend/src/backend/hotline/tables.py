"""12345 tickets citizens filed, the departments' replies pulled from the platform, and photos.

The ticket's text, location and contact phone are sealed (AES-GCM); unique indexes (the second
migration): one tracking number, one reply per ticket and sequence number."""

from piccolo.columns import UUID, Float, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table


class HotlineTicket(Table, tablename="hotline_ticket"):
    """``queued`` (owed to the platform through the outbox, also while it is down) → ``received``
    (its ``ticket_no``) → ``assigned`` → ``replied`` → ``closed``; ``refused`` when the platform would
    not take it (``refusal``). ``replies_seen`` is how many replies are stored (the poll's high-water
    mark); ``rating`` is the citizen's 1-5 after closure (``rating_state``: ``""`` none, ``queued``
    owed to the platform, ``delivered``)."""

    id = UUID(primary_key=True)
    citizen_id = UUID()
    tracking_no = Varchar(length=20)
    kind = Varchar(length=16)
    category = Varchar(length=32)
    title = Text(secret=True)
    content = Text(secret=True)
    address = Text(secret=True)
    district = Varchar(length=16, default="")
    latitude = Float(null=True, default=None)
    longitude = Float(null=True, default=None)
    contact_phone = Text(secret=True)
    status = Varchar(length=16)
    ticket_no = Varchar(length=32, default="")
    refusal = Varchar(length=64, default="")
    replies_seen = Integer(default=0)
    rating = Integer(null=True, default=None)
    rating_comment = Text(default="")
    rating_state = Varchar(length=16, default="")
    created_at = Timestamptz()
    updated_at = Timestamptz()
    closed_at = Timestamptz(null=True, default=None)


class HotlineReply(Table, tablename="hotline_reply"):
    """A department's reply as the platform numbered it (``seq`` from 1)."""

    id = UUID(primary_key=True)
    ticket_id = UUID()
    seq = Integer()
    department = Varchar(length=64)
    text = Text()
    at = Timestamptz()


class HotlinePhoto(Table, tablename="hotline_photo"):
    """A photo a citizen uploaded (sealed in the blob store under ``blob``; ``sha256`` is of the plain
    bytes, what the platform checks), free until a ticket takes it (``ticket_id``)."""

    id = UUID(primary_key=True)
    citizen_id = UUID()
    ticket_id = UUID(null=True, default=None)
    sha256 = Varchar(length=64)
    blob = Varchar(length=64)
    media_type = Varchar(length=16)
    size = Integer()
    created_at = Timestamptz()
