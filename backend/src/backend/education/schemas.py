from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

from backend.fields import doc, plain_text, token_text

Stage = Literal["primary", "junior"]
IdNumber = Annotated[str, token_text(r"[0-9]{17}[0-9Xx]", min_length=18, max_length=18)]
# A notice's body: paragraphs may break lines, no other control character.
Body = Annotated[str, Meta(min_length=1, max_length=2000, pattern="^[^\\x00-\\x09\\x0b-\\x1f\\x7f]+$")]


class SchoolRead(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    code: Annotated[str, doc("The education bureau's school code", "SQ-XX-0001")]
    name: Annotated[str, doc("The school's name", "宿迁市实验小学")]
    stage: Annotated[str, doc("`primary` (小学) or `junior` (初中)", "primary")]
    district: Annotated[str, doc("The district the school is in", "宿城区")]
    address: Annotated[str, doc("The school's address", "宿迁市宿城区幸福中路100号")]
    phone: Annotated[str, doc("The school's office telephone", "0527-84352001")]


class SchoolPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[SchoolRead]


class DistrictSchool(msgspec.Struct, frozen=True, kw_only=True):
    """The school serving the address for a stage, and the district line that placed it."""

    stage: Annotated[str, doc("`primary` (小学) or `junior` (初中)", "primary")]
    school: SchoolRead
    matched_by: Annotated[
        str, doc("How the address fell in the district: `community` (小区) or `road` (house numbers)", "road")
    ]
    line: Annotated[str, doc("The district line (学区划分) that placed the address", "宿城区幸福中路1-199号")]


class DistrictLookup(msgspec.Struct, frozen=True, kw_only=True):
    """``district`` the address names; ``schools`` per stage (empty: no line covers it — the bureau
    places the child, 统筹安排)."""

    district: Annotated[str, doc("The district the address names", "宿城区")] | None
    schools: Annotated[
        list[DistrictSchool], doc("The school serving the address per stage; empty: 统筹安排 by the bureau")
    ]


class EnrolmentCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    child_id_number: Annotated[
        IdNumber,
        doc(
            "The child's resident ID number (GB 11643): the household register names the child",
            "321302201905200028",
        ),
    ]
    stage: Annotated[Stage, doc("Entering `primary` (小学一年级) or `junior` (初中一年级)", "primary")]


class EnrolmentRead(msgspec.Struct, frozen=True, kw_only=True):
    """``id`` is also the application's: submit and follow it through ``/api/v1/applications``."""

    id: uuid.UUID
    stage: Annotated[str, doc("`primary` (小学) or `junior` (初中)", "primary")]
    child_name: Annotated[str, doc("The child's name, masked", "张*")]
    school_id: uuid.UUID | None
    status: Annotated[
        str, doc("`applied`, then `admitted` or `not_admitted` when the department decides", "admitted")
    ]
    class_id: uuid.UUID | None
    created_at: datetime
    decided_at: datetime | None


class EnrolmentStarted(msgspec.Struct, frozen=True, kw_only=True):
    """The application draft, prefilled: ``provenance`` says per field where its value came from
    (``household_register``, ``licence``, ``school_district``, ``real_name``); the citizen checks it,
    fills the rest (``PUT /api/v1/applications/{id}/data``) and submits it."""

    enrolment: EnrolmentRead
    application_id: uuid.UUID
    data: Annotated[dict[str, Any], doc("The application's form data, prefilled (JSON by the item's form)")]
    provenance: Annotated[
        dict[str, Any], doc("Per prefilled field (a JSON pointer), where its value came from")
    ]
    district: Annotated[str, doc("The district of the home address found", "宿城区")] | None
    school: DistrictSchool | None


class EnrolmentPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[EnrolmentRead]


class ClassCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    name: Annotated[str, plain_text(max_length=32), doc("The class's name", "一年级(1)班")]
    grade: Annotated[int, Meta(ge=1, le=9), doc("The grade, 1-6 primary and 7-9 junior", 1)]
    year: Annotated[int, Meta(ge=2000, le=2100), doc("The year the class entered", 2026)]


class ClassRead(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    school_id: uuid.UUID
    name: Annotated[str, doc("The class's name", "一年级(1)班")]
    grade: Annotated[int, doc("The grade, 1-6 primary and 7-9 junior", 1)]
    year: Annotated[int, doc("The year the class entered", 2026)]


class ClassPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[ClassRead]


class Placement(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    class_id: uuid.UUID


class NoticeCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    title: Annotated[str, plain_text(max_length=64), doc("The notice's title", "春季运动会通知")]
    body: Annotated[
        Body, doc("The notice's text; paragraphs may break lines", "4月18日上午举行春季运动会，请穿运动服。")
    ]


class NoticeRead(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    school_id: uuid.UUID
    class_id: uuid.UUID
    title: Annotated[str, doc("The notice's title", "春季运动会通知")]
    body: Annotated[str, doc("The notice's text", "4月18日上午举行春季运动会，请穿运动服。")]
    posted_at: datetime
    recipients: Annotated[int, doc("How many parents it was sent to when posted", 42)]


class SchoolNotice(msgspec.Struct, frozen=True, kw_only=True):
    notice: NoticeRead
    read: Annotated[int, doc("How many of the parents have read it", 37)]


class SchoolNoticePage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[SchoolNotice]


class ParentNoticeRead(msgspec.Struct, frozen=True, kw_only=True):
    notice: NoticeRead
    read_at: Annotated[datetime, doc("When you first read it (ISO 8601, UTC); null: unread")] | None


class ParentNoticePage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[ParentNoticeRead]


class ReceiptsRead(msgspec.Struct, frozen=True, kw_only=True):
    """Who of the class's parents has read the notice: counts, and the pupils (names masked) whose
    parents have not."""

    notice_id: uuid.UUID
    class_id: uuid.UUID
    recipients: Annotated[int, doc("How many parents it was sent to", 42)]
    read: Annotated[int, doc("How many of them have read it", 37)]
    unread: Annotated[int, doc("How many have not", 5)]
    unread_pupils: Annotated[
        list[str], doc("The pupils whose parents have not read it, names masked", ["张*", "王*明"])
    ]


class StaffBinding(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    school_id: uuid.UUID
