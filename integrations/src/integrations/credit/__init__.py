"""Public credit platform: credit records of people and enterprises; objections."""

from integrations.credit.client import CreditClient
from integrations.credit.schemas import (
    CreditRecord,
    CreditReport,
    Disclosure,
    DisclosurePage,
    ObjectionReceipt,
    ObjectionState,
    ObjectionStatus,
    RecordCategory,
)

__all__ = [
    "CreditClient",
    "CreditRecord",
    "CreditReport",
    "Disclosure",
    "DisclosurePage",
    "ObjectionReceipt",
    "ObjectionState",
    "ObjectionStatus",
    "RecordCategory",
]
