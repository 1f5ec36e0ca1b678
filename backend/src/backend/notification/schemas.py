"""The notification feature's HTTP shapes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

import msgspec

from backend.fields import token_text
from backend.notification.settings import Clock24

TemplateCode = Annotated[str, token_text(r"[a-z_]+\.[a-z_]+", max_length=64)]
CategoryName = Annotated[str, token_text(r"[a-z_]+", max_length=32)]


class MessageRead(msgspec.Struct, frozen=True, kw_only=True):
    """A message in the inbox, with how its push went: ``queued`` (waiting — quiet hours, or a channel
    being retried: ``reason``), ``sent`` (on ``channel``), ``failed`` or ``skipped`` (``reason``)."""

    id: uuid.UUID
    template: str
    category: str
    title: str
    body: str
    urgent: bool
    state: Literal["queued", "sent", "failed", "skipped"]
    channel: Literal["wechat", "alipay", "sms"] | None
    reason: str
    created_at: datetime
    due_at: datetime
    sent_at: datetime | None
    read_at: datetime | None


class MessagePage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[MessageRead]
    next_cursor: str | None


class ChannelChoice(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    wechat: bool = True
    alipay: bool = True
    sms: bool = True


class QuietHoursBody(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Beijing time, ``HH:MM``; a window may cross midnight. Equal times: no quiet hours."""

    start: Clock24
    end: Clock24


class PreferencesBody(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Per category, which channels may carry its notices (the inbox always does); quiet hours, or
    null for none. A category not named is all on."""

    categories: dict[CategoryName, ChannelChoice] = msgspec.field(default_factory=dict)
    quiet_hours: QuietHoursBody | None = None


class SubscriptionCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One "accept" the mini program got from ``requestSubscribeMessage`` for ``template``."""

    template: TemplateCode
    platform: Literal["wechat", "alipay"]


class SubscriptionRead(msgspec.Struct, frozen=True, kw_only=True):
    template: str
    platform: str
    remaining: int


class TemplateRead(msgspec.Struct, frozen=True, kw_only=True):
    """A notice the app may send: the template ids to ask the citizen to allow, per platform."""

    code: str
    category: str
    title: str
    urgent: bool
    wechat_template_id: str | None
    alipay_template_id: str | None
    sms: bool


class TemplateList(msgspec.Struct, frozen=True, kw_only=True):
    items: list[TemplateRead]
