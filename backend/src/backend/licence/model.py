"""What the licence service hands out: a licence opened for the wallet, a field with its provenance
for another feature's auto-fill, a licence as an application's material."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from backend.licence.repository import RecordRow
from integrations.elicence import Licence


@dataclass(frozen=True, slots=True)
class Held:
    """One licence as the wallet shows it, opened."""

    record: RecordRow
    licence: Licence
    credential: str


@dataclass(frozen=True, slots=True)
class FieldValue:
    """A licence field for another feature (auto-fill), with where it came from: the licence, its
    version, the claim, the digest of the disclosure that carries it in the credential, the status
    at the time, and a presentation of just that claim that anyone can verify."""

    value: Any
    licence_id: uuid.UUID
    version: int
    kind_code: str
    claim: str
    digest: str
    status: str
    at: datetime
    presentation: str


@dataclass(frozen=True, slots=True)
class Material:
    """A licence attached to an application: what the department receives to fetch and check it."""

    licence_id: uuid.UUID
    kind_code: str
    kind_name: str
    version: int
    status: str
    original_sha256: str
    credential_sha256: str
    identifier: str


__all__ = ["FieldValue", "Held", "Material"]
