from piccolo.columns import UUID, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table


class Application(Table, tablename="application"):
    """A citizen's application: the current state, a projection of its events.

    ``data`` is the form as the citizen filled it and ``provenance`` says per field where its value
    came from (a licence, or the citizen): JSON, each sealed (AES-GCM, ``PersonalDataCipher``) per
    application, for the form holds the ID number. ``case_id`` is the department's case number, saved
    the moment the department answers and never overwritten; ``dept_seen`` counts the entries of the case's
    history already applied as events (callbacks arrive duplicated and out of order; the history
    doesn't).
    """

    id = UUID(primary_key=True)
    citizen_id = UUID(index=True)
    item_code = Varchar(length=16)
    item_version = Integer()
    item_digest = Varchar(length=64)
    item_name = Varchar(length=200)
    case_item_code = Varchar(length=16)
    status = Varchar(length=24)
    data = Text()
    provenance = Text()
    prefilled = Integer()
    case_id = Varchar(length=64, null=True, default=None)
    dept_seen = Integer()
    corrections = Integer()
    created_at = Timestamptz()
    updated_at = Timestamptz()
    submitted_at = Timestamptz(null=True, default=None)


class ApplicationEvent(Table, tablename="application_event"):
    """One thing that happened to an application; append-only (PostgreSQL refuses UPDATE and DELETE).

    ``(application_id, seq)`` is unique; ``external_id`` (unique when set) is what the outside world
    named the event — the department's case history entry — so it is applied once however often it
    arrives.
    """

    id = UUID(primary_key=True)
    application_id = UUID(index=True)
    seq = Integer()
    action = Varchar(length=48)
    from_status = Varchar(length=24)
    to_status = Varchar(length=24)
    actor = Varchar(length=128)
    source = Varchar(length=16)
    reason = Text()
    data = Text()
    external_id = Varchar(length=128, null=True, default=None)
    occurred_at = Timestamptz()


class ApplicationMaterial(Table, tablename="application_material"):
    """One material (材料) of an application, in one of the item's slots: an upload or a licence.

    ``sha256`` is the digest of the upload's bytes (or of the licence's credential): what the
    department is told and checks. ``blob`` names the stored object — the upload sealed with AES-GCM
    for this application (``PersonalDataCipher``), so its key is the digest of the sealed bytes; the
    same file given twice in one application shares one blob. ``name`` (the original file name,
    sanitised) and ``licence`` (the licence's provenance, JSON) are sealed too. ``(application_id,
    slot, sha256)`` is unique: the same file twice in a slot is one material.
    """

    id = UUID(primary_key=True)
    application_id = UUID(index=True)
    slot = Varchar(length=64)
    source = Varchar(length=8)
    sha256 = Varchar(length=64)
    size = Integer()
    media_type = Varchar(length=32)
    name = Text()
    blob = Varchar(length=64, null=True, default=None, index=True)
    licence = Text()
    created_at = Timestamptz()


class ApplicationReviewer(Table, tablename="application_reviewer"):
    """A staff account (role ``reviewer``) bound by an operator to a department whose applications it
    reviews — those made against a catalogue item version of that department. One row per (staff
    account, department), unique (see the raw migration); a reviewer may be bound to several."""

    id = UUID(primary_key=True)
    staff_id = UUID()
    department = Varchar(length=200)
    created_at = Timestamptz()
