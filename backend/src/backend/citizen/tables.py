from piccolo.columns import UUID, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table


class Citizen(Table, tablename="citizen"):
    """A registered, real-name verified citizen.

    Name, ID number and phone are sealed (AES-GCM, ``backend.crypto``), each bound to its column;
    ``*_index`` are their HMAC blind indexes, unique among *active* citizens (see the migrations): one
    active citizen per ID number and per phone. ``password_hash`` is Argon2id, or null when the citizen
    logs in by SMS only. ``status`` is ``active`` or ``frozen``: a frozen account (its identity was
    reclaimed by the person it belongs to, ``frozen_at``) keeps its row, as evidence, and nothing else.
    ``face_verification`` is the platform's id of the face verification that proved the registrant (null
    for the operators' match), unique (see the migrations): one verification makes one citizen,
    whichever registration or reclaim commits first.
    """

    id = UUID(primary_key=True)
    name_sealed = Text(secret=True)
    id_number_sealed = Text(secret=True)
    id_number_index = Varchar(length=64)
    phone_sealed = Text(secret=True)
    phone_index = Varchar(length=64)
    password_hash = Text(null=True, default=None, secret=True)
    verified_at = Timestamptz()
    created_at = Timestamptz()
    status = Varchar(length=16, default="active")
    frozen_at = Timestamptz(null=True, default=None)
    face_verification = Varchar(length=128, null=True, default=None)


class ReclaimFollowUp(Table, tablename="citizen_reclaim_follow_up"):
    """What one reclaim still owes the account it froze (``frozen_citizen``) once its transaction
    committed: the end of its outstanding access tokens (``sessions_ended_at``) and the SMS telling its
    phone (``notice``: "sent", or "failed" when the gateway refused it or never took it). Written in
    the freeze's own transaction, so a crash at any point leaves a row that ``backend.citizen.tasks``
    finishes; ``due_at`` is when the job may next take it, ``done_at`` when nothing is left.

    ``id`` is the follow-up's own: an account unfrozen on appeal and reclaimed again owes a second
    follow-up (security review: keyed by the frozen account, its insert was a unique violation inside
    the freeze, a 500). Rows written before then have the frozen account's id as their own.
    """

    id = UUID(primary_key=True)
    frozen_citizen = UUID()
    by_citizen = UUID()
    created_at = Timestamptz()
    due_at = Timestamptz()
    attempts = Integer(default=0)
    sessions_ended_at = Timestamptz(null=True, default=None)
    notice = Varchar(length=16, null=True, default=None)
    done_at = Timestamptz(null=True, default=None)
