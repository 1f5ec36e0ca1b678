"""The credit feature's HTTP shapes."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

import msgspec

from backend.fields import Phone, token_text

# Text a person wrote in paragraphs: line breaks allowed, no other control character (NUL never reaches
# PostgreSQL's text; a tab or a carriage return has no business in a reason either).
_PARAGRAPHS = r"^[^\x00-\x09\x0b-\x1f\x7f]*$"

RecordCategory = Literal["commendation", "dishonest", "admin_penalty", "admin_licence"]
ObjectionStatus = Literal["queued", "received", "reviewing", "upheld", "dismissed", "refused"]


class RecordRead(msgspec.Struct, frozen=True, kw_only=True):
    """One credit record: ``commendation`` 红名单, ``dishonest`` 黑名单 (失信), ``admin_penalty``
    行政处罚, ``admin_licence`` 行政许可."""

    record_id: str
    category: RecordCategory
    title: str
    authority: str
    decided_on: date
    valid_until: date | None
    status: Literal["active", "repaired", "expired"]


class ReportRead(msgspec.Struct, frozen=True, kw_only=True):
    subject_name: str
    records: list[RecordRead]
    queried_at: datetime


class DisclosureRead(msgspec.Struct, frozen=True, kw_only=True):
    credit_code: str
    name: str
    record: RecordRead


class DisclosurePage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[DisclosureRead]
    next_cursor: str | None


class ObjectionCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """An objection to one record of your report; ``reason`` may span lines (up to 1000 characters)."""

    record_id: Annotated[str, token_text("[A-Za-z0-9-]+", max_length=32)]
    reason: Annotated[str, msgspec.Meta(min_length=5, max_length=1000, pattern=_PARAGRAPHS)]
    contact_phone: Phone


class ObjectionRead(msgspec.Struct, frozen=True, kw_only=True):
    """``queued`` (being forwarded to the platform, also while it is down) → ``received`` →
    ``reviewing`` → ``upheld`` | ``dismissed``; ``refused`` (``refusal`` says why) when the platform
    would not take it."""

    id: uuid.UUID
    record_id: str
    reason: str
    status: ObjectionStatus
    platform_objection_id: str | None
    reply: str
    refusal: str | None
    created_at: datetime
    decided_at: datetime | None


class ObjectionPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[ObjectionRead]
