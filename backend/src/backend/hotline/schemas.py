"""The hotline feature's HTTP shapes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

import msgspec

from backend.fields import Phone, doc, plain_text

TicketKind = Literal["complaint", "report", "suggestion", "consultation"]
TicketStatus = Literal["queued", "received", "assigned", "replied", "closed", "refused"]


_TrackingNo = Annotated[
    str, doc("Our tracking number, given when you file (RX, the day, 8 digits)", "RX2026120377666284")
]
_Kind = Annotated[TicketKind, doc("What kind of 诉求 it is", "complaint")]
_Category = Annotated[str, doc("The category's code", "transport")]
_Status = Annotated[TicketStatus, doc("Where the ticket is (see `HotlineTicketRead`)", "replied")]


class HotlineCategoryRead(msgspec.Struct, frozen=True, kw_only=True):
    code: Annotated[str, doc("The category's code, what a ticket's `category` takes", "transport")]
    name: Annotated[str, doc("Its name as shown", "交通出行")]


class HotlineCategoryList(msgspec.Struct, frozen=True, kw_only=True):
    items: list[HotlineCategoryRead]


class LocationBody(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    address: Annotated[str, plain_text(min_length=2, max_length=120)]
    district: Annotated[str, plain_text(min_length=0, max_length=16)] = ""
    latitude: (
        Annotated[float, msgspec.Meta(ge=-90, le=90), doc("Latitude (WGS 84 degrees)", 33.9631)] | None
    ) = None
    longitude: (
        Annotated[float, msgspec.Meta(ge=-180, le=180), doc("Longitude (WGS 84 degrees)", 118.2753)] | None
    ) = None


class TicketCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A 12345 诉求: ``complaint`` 投诉, ``report`` 举报, ``suggestion`` 建议, ``consultation`` 咨询.
    ``content`` may span lines; ``photo_ids`` are photos you uploaded (``POST …/photos``), up to 9."""

    kind: Annotated[TicketKind, doc("What kind of 诉求 it is", "suggestion")]
    category: Annotated[
        str,
        msgspec.Meta(min_length=1, max_length=32),
        doc("A category's `code` (`GET …/categories`)", "transport"),
    ]
    title: Annotated[
        str, plain_text(min_length=4, max_length=40), doc("A one-line title", "建议增开公交线路")
    ]
    content: Annotated[
        str,
        msgspec.Meta(min_length=10, max_length=2000),
        doc(
            "What happened or what you ask, in your words; line breaks allowed",
            "建议在湖滨新区增开一条通往高铁站的公交线路。",
        ),
    ]
    location: LocationBody | None = None
    photo_ids: Annotated[
        list[uuid.UUID], msgspec.Meta(max_length=9), doc("Photos you uploaded for this ticket, up to 9")
    ] = msgspec.field(default_factory=list)
    contact_phone: Phone


class RatingCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """满意度: 1 (very dissatisfied) to 5 (very satisfied)."""

    score: Annotated[
        int, msgspec.Meta(ge=1, le=5), doc("How satisfied: 1 (very dissatisfied) to 5 (very)", 4)
    ]
    comment: Annotated[
        str, plain_text(min_length=0, max_length=200), doc("A word on the handling; may be empty", "处理及时")
    ] = ""


class PhotoRead(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    sha256: Annotated[
        str,
        doc(
            "SHA-256 of the photo's bytes (hex), what 12345 checks",
            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        ),
    ]
    media_type: Annotated[str, doc("`image/jpeg` or `image/png`", "image/jpeg")]
    size: Annotated[int, doc("Its size in bytes", 482133)]


class ReplyRead(msgspec.Struct, frozen=True, kw_only=True):
    seq: Annotated[int, doc("The reply's number on the ticket, from 1", 1)]
    department: Annotated[str, doc("The department that replied", "宿迁市公共交通有限公司")]
    text: Annotated[str, doc("What the department replied", "您的建议已收到，我司将于下月开通K12路。")]
    at: Annotated[datetime, doc("When it replied (ISO 8601, UTC)")]


class TicketSummary(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    tracking_no: _TrackingNo
    kind: _Kind
    category: _Category
    status: _Status
    created_at: datetime


class HotlineTicketPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[TicketSummary]
    next_cursor: str | None


class HotlineTicketRead(msgspec.Struct, frozen=True, kw_only=True):
    """``queued`` (saved; being forwarded to 12345, also while it is down) → ``received`` (12345's
    ``ticket_no``) → ``assigned`` → ``replied`` → ``closed``; ``refused`` (``refusal``) when 12345
    would not take it. ``rating`` may be given once it is ``closed``."""

    id: uuid.UUID
    tracking_no: _TrackingNo
    ticket_no: Annotated[
        str | None, doc("12345's ticket number once it has the ticket; null before", "1234520261203000001")
    ]
    kind: _Kind
    category: _Category
    title: Annotated[str, doc("The title you gave", "建议增开公交线路")]
    content: Annotated[str, doc("The text you wrote", "建议在湖滨新区增开一条通往高铁站的公交线路。")]
    location: LocationBody | None
    status: _Status
    refusal: Annotated[
        str | None, doc("Why 12345 would not take it; null unless `refused`", "content_refused")
    ]
    replies: Annotated[list[ReplyRead], doc("The departments' replies, in order")]
    photos: Annotated[list[PhotoRead], doc("The photos attached")]
    rating: Annotated[int | None, doc("Your satisfaction (1-5) once rated; null before", 5)]
    rating_comment: Annotated[str, doc("Your comment with the rating; may be empty", "处理及时")]
    created_at: datetime
    closed_at: datetime | None
