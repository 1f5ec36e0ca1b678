from piccolo.columns import UUID, Text, Timestamptz, Varchar
from piccolo.table import Table


class Citizen(Table, tablename="citizen"):
    """A registered, real-name verified citizen.

    Name, ID number and phone are sealed (AES-GCM, ``backend.crypto``), each bound to its column;
    ``*_index`` are their HMAC blind indexes, unique among *active* citizens (see the migrations): one
    active citizen per ID number and per phone. ``password_hash`` is Argon2id, or null when the citizen
    logs in by SMS only. ``status`` is ``active`` or ``frozen``: a frozen account (its identity was
    reclaimed by the person it belongs to, ``frozen_at``) keeps its row, as evidence, and nothing else.
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
