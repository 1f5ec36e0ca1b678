"""The hotline feature's HTTP shapes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

import msgspec

from backend.fields import Phone, plain_text

TicketKind = Literal["complaint", "report", "suggestion", "consultation"]
TicketStatus = Literal["queued", "received", "assigned", "replied", "closed", "refused"]


class CategoryRead(msgspec.Struct, frozen=True, kw_only=True):
    code: str
    name: str


class CategoryList(msgspec.Struct, frozen=True, kw_only=True):
    items: list[CategoryRead]


class LocationBody(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    address: Annotated[str, plain_text(min_length=2, max_length=120)]
    district: Annotated[str, plain_text(min_length=0, max_length=16)] = ""
    latitude: Annotated[float, msgspec.Meta(ge=-90, le=90)] | None = None
    longitude: Annotated[float, msgspec.Meta(ge=-180, le=180)] | None = None


class TicketCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A 12345 诉求: ``complaint`` 投诉, ``report`` 举报, ``suggestion`` 建议, ``consultation`` 咨询.
    ``content`` may span lines; ``photo_ids`` are photos you uploaded (``POST …/photos``), up to 9."""

    kind: TicketKind
    category: Annotated[str, msgspec.Meta(min_length=1, max_length=32)]
    title: Annotated[str, plain_text(min_length=4, max_length=40)]
    content: Annotated[str, msgspec.Meta(min_length=10, max_length=2000)]
    location: LocationBody | None = None
    photo_ids: Annotated[list[uuid.UUID], msgspec.Meta(max_length=9)] = msgspec.field(default_factory=list)
    contact_phone: Phone


class RatingCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """满意度: 1 (very dissatisfied) to 5 (very satisfied)."""

    score: Annotated[int, msgspec.Meta(ge=1, le=5)]
    comment: Annotated[str, msgspec.Meta(max_length=200)] = ""


class PhotoRead(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    sha256: str
    media_type: str
    size: int


class ReplyRead(msgspec.Struct, frozen=True, kw_only=True):
    seq: int
    department: str
    text: str
    at: datetime


class TicketSummary(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    tracking_no: str
    kind: TicketKind
    category: str
    status: TicketStatus
    created_at: datetime


class TicketPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[TicketSummary]
    next_cursor: str | None


class TicketRead(msgspec.Struct, frozen=True, kw_only=True):
    """``queued`` (saved; being forwarded to 12345, also while it is down) → ``received`` (12345's
    ``ticket_no``) → ``assigned`` → ``replied`` → ``closed``; ``refused`` (``refusal``) when 12345
    would not take it. ``rating`` may be given once it is ``closed``."""

    id: uuid.UUID
    tracking_no: str
    ticket_no: str | None
    kind: TicketKind
    category: str
    title: str
    content: str
    location: LocationBody | None
    status: TicketStatus
    refusal: str | None
    replies: list[ReplyRead]
    photos: list[PhotoRead]
    rating: int | None
    rating_comment: str
    created_at: datetime
    closed_at: datetime | None
