"""A citizen's row sealed and opened: the name, ID number and phone sealed for a new citizen, opened for
the citizen's own view (masked) or for asking a government system about them (``RealIdentity``)."""

from __future__ import annotations

import uuid
from datetime import datetime

from backend.citizen.records import ID_NUMBER, NAME, PHONE, Citizen, RealIdentity, Registrant
from backend.citizen.repository import CitizenRow, NewCitizen
from backend.crypto import PersonalDataCipher
from backend.observability.masking import mask_id_number, mask_phone
from integrations import mask_name


def identity(row: CitizenRow, cipher: PersonalDataCipher) -> RealIdentity:
    return RealIdentity(
        name=cipher.open(row.name_sealed, column=NAME),
        id_number=cipher.open(row.id_number_sealed, column=ID_NUMBER),
    )


def masked(row: CitizenRow, cipher: PersonalDataCipher) -> Citizen:
    """The citizen as the rest of the system sees them: name, ID number and phone masked."""
    opened = identity(row, cipher)
    return Citizen(
        id=row.id,
        name=mask_name(opened.name),
        id_number=mask_id_number(opened.id_number),
        phone=mask_phone(cipher.open(row.phone_sealed, column=PHONE)),
        has_password=row.password_hash is not None,
        verified_at=row.verified_at,
        created_at=row.created_at,
    )


def new_citizen(
    registrant: Registrant, cipher: PersonalDataCipher, *, password_hash: str | None, now: datetime
) -> NewCitizen:
    """The row of a new citizen: identity and phone sealed, their blind indexes for the unique ones."""
    return NewCitizen(
        id=uuid.uuid4(),
        name_sealed=cipher.seal(registrant.name, column=NAME),
        id_number_sealed=cipher.seal(registrant.id_number, column=ID_NUMBER),
        id_number_index=cipher.blind_index(registrant.id_number, column=ID_NUMBER),
        phone_sealed=cipher.seal(registrant.phone, column=PHONE),
        phone_index=cipher.blind_index(registrant.phone, column=PHONE),
        password_hash=password_hash,
        verified_at=now,
        created_at=now,
        face_verification=registrant.proof.reference if registrant.proof.method == "face" else None,
    )
