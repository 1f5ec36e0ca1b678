"""Department case system (部门办件): submit applications, query status, signed callbacks."""

from integrations.cases.client import CaseClient, parse_status_callback
from integrations.cases.schemas import (
    Applicant,
    ApplicationSubmission,
    CaseReceipt,
    CaseStatus,
    CaseStatusValue,
    StatusCallback,
    StatusEntry,
    Supplement,
    Withdrawal,
)

__all__ = [
    "Applicant",
    "ApplicationSubmission",
    "CaseClient",
    "CaseReceipt",
    "CaseStatus",
    "CaseStatusValue",
    "StatusCallback",
    "StatusEntry",
    "Supplement",
    "Withdrawal",
    "parse_status_callback",
]
