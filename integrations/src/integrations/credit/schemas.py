"""Wire schemas of the public credit platform (信用宿迁 / 公共信用信息平台)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

import msgspec

__all__ = [
    "CreditRecord",
    "CreditReport",
    "Disclosure",
    "DisclosurePage",
    "DisclosureSearch",
    "EnterpriseCreditQuery",
    "ObjectionReceipt",
    "ObjectionRequest",
    "ObjectionState",
    "ObjectionStatus",
    "PersonCreditQuery",
    "RecordCategory",
]

# commendation = 红名单, dishonest = 黑名单 (失信), admin_penalty = 行政处罚,
# admin_licence = 行政许可 ("双公示" records).
RecordCategory = Literal["commendation", "dishonest", "admin_penalty", "admin_licence"]


class PersonCreditQuery(msgspec.Struct, forbid_unknown_fields=True):
    id_number: str


class EnterpriseCreditQuery(msgspec.Struct, forbid_unknown_fields=True):
    credit_code: str


class CreditRecord(msgspec.Struct, frozen=True, kw_only=True):
    record_id: str
    category: RecordCategory
    title: str
    authority: str
    decided_on: dt.date
    valid_until: dt.date | None = None
    status: Literal["active", "repaired", "expired"]


class CreditReport(msgspec.Struct, frozen=True, kw_only=True):
    """A subject's public credit record; an empty ``records`` list is a clean record."""

    subject_type: Literal["person", "enterprise"]
    subject_name: str
    records: list[CreditRecord]
    queried_at: dt.datetime


class ObjectionRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    record_id: str
    applicant_id_number: str
    reason: str = msgspec.field(default="")
    contact_phone: str


class ObjectionReceipt(msgspec.Struct, frozen=True, kw_only=True):
    objection_id: str
    record_id: str
    status: Literal["received"]
    received_at: dt.datetime


# received → reviewing → upheld (the record is corrected or withdrawn) | dismissed (it stands).
ObjectionState = Literal["received", "reviewing", "upheld", "dismissed"]


class ObjectionStatus(msgspec.Struct, frozen=True, kw_only=True):
    """Where an objection stands at the platform; ``reply`` is its answer once decided."""

    objection_id: str
    record_id: str
    status: ObjectionState
    reply: str = ""
    decided_at: dt.datetime | None = None


class DisclosureSearch(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Public disclosure (信用公示) search over legal persons: ``q`` is a unified social credit code
    (exact) or a fragment of the name; ``after`` the last ``record_id`` of the previous page."""

    q: str
    category: RecordCategory | None = None
    after: str | None = None
    limit: int = 20


class Disclosure(msgspec.Struct, frozen=True, kw_only=True):
    """One publicly disclosed record of a legal person (双公示 licence or penalty, red or black list)."""

    credit_code: str
    name: str
    record: CreditRecord


class DisclosurePage(msgspec.Struct, frozen=True, kw_only=True):
    """Disclosures in ``record_id`` order; ``more`` when another page follows the last item."""

    items: list[Disclosure]
    more: bool
