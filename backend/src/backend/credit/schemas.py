"""The credit feature's HTTP shapes."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

import msgspec

from backend.fields import Phone, doc, token_text

# Text a person wrote in paragraphs: line breaks allowed, no other control character (NUL never reaches
# PostgreSQL's text; a tab or a carriage return has no business in a reason either).
_PARAGRAPHS = r"^[^\x00-\x09\x0b-\x1f\x7f]*$"

RecordCategory = Literal["commendation", "dishonest", "admin_penalty", "admin_licence"]
ObjectionStatus = Literal["queued", "received", "reviewing", "upheld", "dismissed", "refused"]


class RecordRead(msgspec.Struct, frozen=True, kw_only=True):
    """One credit record: ``commendation`` 红名单, ``dishonest`` 黑名单 (失信), ``admin_penalty``
    行政处罚, ``admin_licence`` 行政许可."""

    record_id: str
    category: Annotated[
        RecordCategory,
        doc("What kind of record: 红名单, 黑名单 (失信), 行政处罚 or 行政许可", "admin_penalty"),
    ]
    title: Annotated[str, doc("What the record says, as the deciding authority worded it", "未按期申报纳税")]
    authority: Annotated[str, doc("The authority that decided it", "宿迁市税务局")]
    decided_on: Annotated[date, doc("The day of the decision (YYYY-MM-DD)", "2025-06-18")]
    valid_until: Annotated[
        date | None, doc("The last day it is published (YYYY-MM-DD); null: no end", "2028-06-17")
    ]
    status: Annotated[
        Literal["active", "repaired", "expired"],
        doc("`active`; `repaired` (信用修复 granted) or `expired`: no longer counts", "active"),
    ]


class ReportRead(msgspec.Struct, frozen=True, kw_only=True):
    subject_name: Annotated[str, doc("Whose report it is: the citizen's name, masked", "宿**")]
    records: Annotated[list[RecordRead], doc("The records on the report, newest decision first")]
    queried_at: datetime


class DisclosureRead(msgspec.Struct, frozen=True, kw_only=True):
    credit_code: Annotated[
        str, doc("The subject's unified social credit code (统一社会信用代码)", "91321300MA1N2B3C4D")
    ]
    name: Annotated[str, doc("The subject's name as published", "宿迁市某某餐饮有限公司")]
    record: RecordRead


class DisclosurePage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[DisclosureRead]
    next_cursor: str | None


class ObjectionCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """An objection to one record of your report; ``reason`` may span lines (up to 1000 characters)."""

    record_id: Annotated[str, token_text("[A-Za-z0-9-]+", max_length=32)]
    reason: Annotated[
        str,
        msgspec.Meta(min_length=5, max_length=1000, pattern=_PARAGRAPHS),
        doc(
            "Why the record is wrong: what you object to and why; line breaks allowed",
            "该笔罚款已于去年七月缴清，缴款凭证已上传",
        ),
    ]
    contact_phone: Phone


class ObjectionRead(msgspec.Struct, frozen=True, kw_only=True):
    """``queued`` (being forwarded to the platform, also while it is down) → ``received`` →
    ``reviewing`` → ``upheld`` | ``dismissed``; ``refused`` (``refusal`` says why) when the platform
    would not take it."""

    id: uuid.UUID
    record_id: str
    reason: Annotated[str, doc("Your reason, as you wrote it", "该笔罚款已于去年七月缴清，缴款凭证已上传")]
    status: Annotated[
        ObjectionStatus, doc("Where the objection is (see the schema's description)", "reviewing")
    ]
    platform_objection_id: str | None
    reply: Annotated[
        str, doc("The platform's answer once decided (empty before)", "经核实，该记录已修复，予以更正")
    ]
    refusal: Annotated[
        str | None,
        doc(
            "Why the platform would not take it (`record_not_found`, `not_record_subject`, "
            "`objection_pending`); null unless `refused`",
            "objection_pending",
        ),
    ]
    created_at: datetime
    decided_at: datetime | None


class ObjectionPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[ObjectionRead]
