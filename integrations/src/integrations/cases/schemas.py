"""Wire schemas of the department case system (一网通办 办件), ZGW-like: a case with an
append-only status history, thin signed status callbacks."""

from __future__ import annotations

import datetime as dt
from typing import Literal

import msgspec

__all__ = [
    "Applicant",
    "ApplicationSubmission",
    "CaseReceipt",
    "CaseStatus",
    "CaseStatusValue",
    "Document",
    "DocumentReceipt",
    "LicenceRef",
    "MaterialRef",
    "StatusCallback",
    "StatusEntry",
    "Supplement",
    "Withdrawal",
]

CaseStatusValue = Literal[
    "submitted", "accepted", "in_review", "returned", "approved", "rejected", "completed", "withdrawn"
]


class Applicant(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    name: str
    id_number: str
    phone: str


class LicenceRef(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """An e-licence given as material: the department fetches and checks it in the e-licence library
    by ``identifier``; the digests pin the version the citizen gave."""

    kind: str
    identifier: str
    version: int
    original_sha256: str
    credential_sha256: str


class MaterialRef(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """One material (材料) of a submission: an uploaded document sent before it (``PUT
    /v1/documents/{sha256}``, named here by its digest), or an e-licence."""

    slot: str
    name: str
    source: Literal["upload", "licence"]
    sha256: str
    size: int = 0
    media_type: str = ""
    licence: LicenceRef | None = None


class ApplicationSubmission(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """An application for one service item (事项), with its form fields and materials (every
    uploaded one sent as a document first)."""

    item_code: str
    applicant: Applicant
    form: dict[str, str] = msgspec.field(default_factory=dict)
    materials: list[MaterialRef] = msgspec.field(default_factory=list)


class Supplement(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """The citizen's corrected form for a returned case (补正), with its materials as they are now."""

    form: dict[str, str] = msgspec.field(default_factory=dict)
    materials: list[MaterialRef] = msgspec.field(default_factory=list)


class Document(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """An uploaded material's bytes (base64 in JSON, as ZGW's Documenten API sends ``inhoud``)."""

    media_type: Literal["application/pdf", "image/jpeg", "image/png"]
    content: bytes


class DocumentReceipt(msgspec.Struct, frozen=True, kw_only=True):
    sha256: str
    size: int


class CaseReceipt(msgspec.Struct, frozen=True, kw_only=True):
    case_id: str
    status: CaseStatusValue
    received_at: dt.datetime


class StatusEntry(msgspec.Struct, frozen=True, kw_only=True):
    status: CaseStatusValue
    at: dt.datetime
    note: str = ""


class CaseStatus(msgspec.Struct, frozen=True, kw_only=True):
    case_id: str
    item_code: str
    status: CaseStatusValue
    history: list[StatusEntry]


class StatusCallback(msgspec.Struct, frozen=True, kw_only=True):
    """A thin event: which case moved to which status. Fetch the case for details."""

    event_id: str
    case_id: str
    status: CaseStatusValue
    at: dt.datetime


class Withdrawal(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """The citizen withdrew the application (撤回): the department stops handling the case."""

    reason: str = ""
