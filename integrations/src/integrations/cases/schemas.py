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


class ApplicationSubmission(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """An application for one service item (事项), with its form fields."""

    item_code: str
    applicant: Applicant
    form: dict[str, str] = msgspec.field(default_factory=dict)


class Supplement(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """The citizen's corrected form for a returned case (补正)."""

    form: dict[str, str] = msgspec.field(default_factory=dict)


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
