from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

from backend.fields import plain_text, token_text

Stage = Literal["primary", "junior"]
IdNumber = Annotated[str, token_text(r"[0-9]{17}[0-9Xx]", min_length=18, max_length=18)]
# A notice's body: paragraphs may break lines, no other control character.
Body = Annotated[str, Meta(min_length=1, max_length=2000, pattern="^[^\\x00-\\x09\\x0b-\\x1f\\x7f]+$")]


class SchoolRead(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    code: str
    name: str
    stage: str
    district: str
    address: str
    phone: str


class SchoolPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[SchoolRead]


class DistrictSchool(msgspec.Struct, frozen=True, kw_only=True):
    """The school serving the address for a stage, and the district line that placed it."""

    stage: str
    school: SchoolRead
    matched_by: str  # community | road
    line: str


class DistrictLookup(msgspec.Struct, frozen=True, kw_only=True):
    """``district`` the address names; ``schools`` per stage (empty: no line covers it — the bureau
    places the child, 统筹安排)."""

    district: str | None
    schools: list[DistrictSchool]


class EnrolmentCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    child_id_number: IdNumber
    stage: Stage


class EnrolmentRead(msgspec.Struct, frozen=True, kw_only=True):
    """``id`` is also the application's: submit and follow it through ``/api/v1/applications``."""

    id: uuid.UUID
    stage: str
    child_name: str
    school_id: uuid.UUID | None
    status: str  # applied | admitted | not_admitted
    class_id: uuid.UUID | None
    created_at: datetime
    decided_at: datetime | None


class EnrolmentStarted(msgspec.Struct, frozen=True, kw_only=True):
    """The application draft, prefilled: ``provenance`` says per field where its value came from
    (``household_register``, ``licence``, ``school_district``, ``real_name``); the citizen checks it,
    fills the rest (``PUT /api/v1/applications/{id}/data``) and submits it."""

    enrolment: EnrolmentRead
    application_id: uuid.UUID
    data: dict[str, Any]
    provenance: dict[str, Any]
    district: str | None
    school: DistrictSchool | None


class EnrolmentPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[EnrolmentRead]


class ClassCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    name: Annotated[str, plain_text(max_length=32)]
    grade: Annotated[int, Meta(ge=1, le=9)]
    year: Annotated[int, Meta(ge=2000, le=2100)]


class ClassRead(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    school_id: uuid.UUID
    name: str
    grade: int
    year: int


class ClassPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[ClassRead]


class Placement(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    class_id: uuid.UUID


class NoticeCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    title: Annotated[str, plain_text(max_length=64)]
    body: Body


class NoticeRead(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    school_id: uuid.UUID
    class_id: uuid.UUID
    title: str
    body: str
    posted_at: datetime
    recipients: int


class SchoolNotice(msgspec.Struct, frozen=True, kw_only=True):
    notice: NoticeRead
    read: int


class SchoolNoticePage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[SchoolNotice]


class ParentNoticeRead(msgspec.Struct, frozen=True, kw_only=True):
    notice: NoticeRead
    read_at: datetime | None


class ParentNoticePage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[ParentNoticeRead]


class ReceiptsRead(msgspec.Struct, frozen=True, kw_only=True):
    """Who of the class's parents has read the notice: counts, and the pupils (names masked) whose
    parents have not."""

    notice_id: uuid.UUID
    class_id: uuid.UUID
    recipients: int
    read: int
    unread: int
    unread_pupils: list[str]


class StaffBinding(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    school_id: uuid.UUID
