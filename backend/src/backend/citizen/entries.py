"""What the auth chain records of a registration and of the freeze an identity reclaim makes: the ID
number and phone masked, never in clear."""

from __future__ import annotations

from typing import Any

from backend.citizen.records import Registrant
from backend.citizen.repository import NewCitizen
from backend.observability.masking import mask_id_number, mask_phone


def registered(new: NewCitizen, registrant: Registrant, *, client: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id_number": mask_id_number(registrant.id_number),
        "phone": mask_phone(registrant.phone),
        "password": new.password_hash is not None,
        "proof": registrant.proof.method,
        "proof_reference": registrant.proof.reference,
        "client": client,
    }
    if registrant.holder is not None:
        data["reclaimed_from"] = f"citizen:{registrant.holder}"
    return data


def frozen(new: NewCitizen, registrant: Registrant, *, phone: str, client: str) -> dict[str, Any]:
    """The holder's account frozen for ``new``, who proved the identity; ``phone`` is the holder's."""
    return {
        "reason": "identity_reclaimed",
        "by": str(new.id),
        "id_number": mask_id_number(registrant.id_number),
        "phone": mask_phone(phone),
        "proof": registrant.proof.method,
        "client": client,
    }
