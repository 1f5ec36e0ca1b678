"""A citizen's row opened: the sealed name, ID number and phone, for the citizen's own view (masked)
or for asking a government system about them (``RealIdentity``)."""

from __future__ import annotations

from backend.citizen.records import ID_NUMBER, NAME, PHONE, Citizen, RealIdentity
from backend.citizen.repository import CitizenRow
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
