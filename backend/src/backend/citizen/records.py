"""The citizen feature's domain types: what its services take and give (controllers map them)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Protocol

import msgspec

from backend.auth.tokens import TokenPair
from backend.citizen.proof import IdentityProof

# Sealed columns: the associated data binds each ciphertext to its column.
NAME, ID_NUMBER, PHONE = "citizen.name", "citizen.id_number", "citizen.phone"


class Citizen(msgspec.Struct, frozen=True, kw_only=True):
    """A citizen as the rest of the system sees them: name, ID number and phone masked."""

    id: uuid.UUID
    name: str
    id_number: str
    phone: str
    has_password: bool
    verified_at: datetime
    created_at: datetime


class RealIdentity(msgspec.Struct, frozen=True, kw_only=True):
    """A citizen's real name and ID number, unmasked: for asking a government system about the
    citizen on their own request (their licences, their cases). Never shown, never logged."""

    name: str
    id_number: str


class Registration(msgspec.Struct, frozen=True, kw_only=True):
    citizen: Citizen
    tokens: TokenPair


class Registrant(msgspec.Struct, frozen=True, kw_only=True):
    """Someone whose phone, identity and personhood were proven, not registered yet: ``enrol`` makes
    them a citizen. ``holder``: the active account the identity is taken from (a reclaim)."""

    name: str
    id_number: str
    phone: str
    proof: IdentityProof
    holder: uuid.UUID | None = None


class FreezeStep(Protocol):
    """What is done inside the freeze's own transaction (the citizen code's suspension, the end of the
    sessions, the follow-up owed after the commit), so the account is frozen with it or not at all."""

    async def __call__(self, frozen: uuid.UUID, *, by: uuid.UUID) -> None: ...
