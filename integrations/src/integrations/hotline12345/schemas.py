"""Wire schemas of the 12345 government service hotline platform (12345政务服务便民热线)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

import msgspec

__all__ = [
    "CATEGORIES",
    "Attachment",
    "Contact",
    "Location",
    "NewTicket",
    "Rating",
    "Reply",
    "TicketKind",
    "TicketPage",
    "TicketQuery",
    "TicketReceipt",
    "TicketState",
    "TicketStatus",
]

# 投诉 / 举报 / 建议 / 咨询: the four kinds of 工单 the hotline takes.
TicketKind = Literal["complaint", "report", "suggestion", "consultation"]
# received (受理) → assigned (派单 to a department) → replied (a department answered; more may
# follow) → closed (办结); a closed ticket may be rated once.
TicketState = Literal["received", "assigned", "replied", "closed"]

# The platform's classification (诉求分类) by code. ``tourism`` is the tourism complaint channel: the
# culture and tourism bureau's 12301 line merged into 12345, so scenic-spot complaints go here.
CATEGORIES: dict[str, str] = {
    "tourism": "文化旅游",
    "urban_management": "城市管理",
    "transport": "交通出行",
    "environment": "生态环境",
    "market": "市场监管与消费维权",
    "housing": "住房和城乡建设",
    "social_security": "人力资源和社会保障",
    "health": "医疗卫生",
    "education": "教育",
    "public_safety": "公共安全",
    "other": "其他",
}


class Location(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    address: str
    district: str = ""
    latitude: float | None = None
    longitude: float | None = None


class Contact(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    name: str
    phone: str


class Attachment(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A photo, sent before the ticket that names it by ``sha256`` (the platform checks it)."""

    content_type: str
    data: str  # base64


class NewTicket(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A citizen's 诉求; ``reference`` is the caller's own tracking number, echoed back."""

    reference: str
    kind: TicketKind
    category: str
    title: str
    content: str
    location: Location | None = None
    attachments: list[str] = msgspec.field(default_factory=list)  # sha256 of each photo
    contact: Contact


class TicketReceipt(msgspec.Struct, frozen=True, kw_only=True):
    ticket_no: str
    reference: str
    status: TicketState
    received_at: dt.datetime


class Reply(msgspec.Struct, frozen=True, kw_only=True):
    """A department's answer (回复); ``seq`` counts from 1 per ticket and never changes."""

    seq: int
    department: str
    text: str
    at: dt.datetime


class TicketStatus(msgspec.Struct, frozen=True, kw_only=True):
    ticket_no: str
    status: TicketState
    replies: list[Reply]
    closed_at: dt.datetime | None = None
    rating: int | None = None


class TicketQuery(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    ticket_nos: list[str]


class TicketPage(msgspec.Struct, frozen=True, kw_only=True):
    """The tickets asked for that the platform knows (an unknown number is left out)."""

    items: list[TicketStatus]


class Rating(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """满意度评价 after closure: 1 (very dissatisfied) to 5 (very satisfied)."""

    score: int
    comment: str = ""
