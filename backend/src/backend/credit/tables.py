"""Credit objections (信用異議) citizens filed. ``contact_phone`` and ``reason`` are sealed (AES-GCM);
one objection per citizen and record is a unique index (the second migration)."""

from piccolo.columns import UUID, Text, Timestamptz, Varchar
from piccolo.table import Table


class CreditObjection(Table, tablename="credit_objection"):
    """An objection to one record of the citizen's credit report: ``queued`` (owed to the platform
    through the outbox) → ``received`` (the platform's ``objection_id``) → ``reviewing`` → ``upheld``
    | ``dismissed`` (with the platform's ``reply``); or ``refused`` when the platform would not take it
    (``refusal`` is its code: ``record_not_found``, ``not_record_subject``, ``objection_pending``)."""

    id = UUID(primary_key=True)
    citizen_id = UUID()
    record_id = Varchar(length=32)
    reason = Text(secret=True)
    contact_phone = Text(secret=True)
    status = Varchar(length=16)
    objection_id = Varchar(length=32, default="")
    reply = Text(default="")
    refusal = Varchar(length=64, default="")
    created_at = Timestamptz()
    updated_at = Timestamptz()
    decided_at = Timestamptz(null=True, default=None)
