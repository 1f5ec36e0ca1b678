"""The notification feature's HTTP shapes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

import msgspec

from backend.fields import doc, token_text
from backend.notification.settings import Clock24

TemplateCode = Annotated[str, token_text(r"[a-z_]+\.[a-z_]+", max_length=64)]
CategoryName = Annotated[str, token_text(r"[a-z_]+", max_length=32)]


class MessageRead(msgspec.Struct, frozen=True, kw_only=True):
    """A message in the inbox, with how its push went: ``queued`` (waiting — quiet hours, or a channel
    being retried: ``reason``), ``sent`` (on ``channel``), ``failed`` or ``skipped`` (``reason``)."""

    id: uuid.UUID
    template: Annotated[
        str, doc("The notice template it was made from (`<feature>.<notice>`)", "hotline.replied")
    ]
    category: Annotated[str, doc("The notice's category, as preferences name it", "hotline")]
    title: Annotated[str, doc("The message's title", "12345回复：SQ202612030001")]
    body: Annotated[
        str, doc("The message's text", "您的12345诉求（SQ202612030001）有新回复，宿城区住建局：已安排维修。")
    ]
    urgent: Annotated[bool, doc("Urgent notices are pushed at once, even in quiet hours", False)]
    state: Annotated[
        Literal["queued", "sent", "failed", "skipped"],
        doc(
            "How its push went: `queued` (waiting: quiet hours, or a channel being "
            "retried; see `reason`), `sent` (on `channel`), `failed` or `skipped` "
            "(see `reason`); the inbox has it either way",
            "sent",
        ),
    ]
    channel: Annotated[
        Literal["wechat", "alipay", "sms"] | None,
        doc(
            "Where it was pushed: `wechat`, `alipay` (subscribe messages) or `sms`; null until sent", "wechat"
        ),
    ]
    reason: Annotated[
        str,
        doc(
            "Why it waits or was skipped, per channel tried; empty otherwise",
            "wechat: no subscribe authorisation held; sms: not sent for this notice",
        ),
    ]
    created_at: datetime
    due_at: Annotated[
        datetime,
        doc(
            "When it is (or was) due to be pushed: after quiet hours for a non-urgent notice (ISO 8601, UTC)",
            "2026-12-03T00:00:00Z",
        ),
    ]
    sent_at: datetime | None
    read_at: Annotated[
        datetime | None, doc("When the citizen read it (ISO 8601, UTC); null while unread", None)
    ]


class MessagePage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[MessageRead]
    next_cursor: str | None


class ChannelChoice(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    wechat: Annotated[bool, doc("May WeChat subscribe messages carry the category's notices", True)] = True
    alipay: Annotated[bool, doc("May Alipay subscribe messages carry them", True)] = True
    sms: Annotated[bool, doc("May SMS carry them", False)] = True


class QuietHoursBody(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Beijing time, ``HH:MM``; a window may cross midnight. Equal times: no quiet hours."""

    start: Annotated[Clock24, doc("When quiet hours begin, Beijing time (HH:MM)", "22:00")]
    end: Annotated[
        Clock24,
        doc("When they end, Beijing time (HH:MM); before `start`: the window crosses midnight", "08:00"),
    ]


class PreferencesBody(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Per category, which channels may carry its notices (the inbox always does); quiet hours, or
    null for none. A category not named is all on."""

    categories: Annotated[
        dict[CategoryName, ChannelChoice],
        doc(
            "Per category, which channels may carry its notices (the inbox always "
            "does); a category not named is all on",
            {"hotline": {"wechat": True, "alipay": True, "sms": False}},
        ),
    ] = msgspec.field(default_factory=dict)
    quiet_hours: QuietHoursBody | None = None


class SubscriptionCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One "accept" the mini program got from ``requestSubscribeMessage`` for ``template``."""

    template: Annotated[
        TemplateCode, doc("The notice template the citizen accepted (its `code`)", "hotline.replied")
    ]
    platform: Annotated[
        Literal["wechat", "alipay"], doc("Where they accepted: `wechat` or `alipay`", "wechat")
    ]


class SubscriptionRead(msgspec.Struct, frozen=True, kw_only=True):
    template: Annotated[str, doc("The notice template", "hotline.replied")]
    platform: Annotated[str, doc("`wechat` or `alipay`", "wechat")]
    remaining: Annotated[
        int,
        doc("Authorisations now held for it: each lets one notice be pushed (a one-time subscription)", 3),
    ]


class TemplateRead(msgspec.Struct, frozen=True, kw_only=True):
    """A notice the app may send: the template ids to ask the citizen to allow, per platform."""

    code: Annotated[
        str,
        doc(
            "The template's code (`<feature>.<notice>`): what `POST /subscriptions` names", "hotline.replied"
        ),
    ]
    category: Annotated[str, doc("Its category, as preferences name it", "hotline")]
    title: Annotated[
        str, doc("Its title, with `{placeholders}` filled in when sent", "12345回复：{tracking_no}")
    ]
    urgent: Annotated[bool, doc("Urgent notices are pushed even in quiet hours", False)]
    wechat_template_id: Annotated[
        str | None,
        doc(
            "The WeChat subscribe-message template id to pass to "
            "`wx.requestSubscribeMessage`; null: not offered on WeChat",
            "sandbox-tpl-hotline-reply",
        ),
    ]
    alipay_template_id: Annotated[
        str | None,
        doc(
            "The Alipay template id to pass to `my.requestSubscribeMessage`; null: not offered on Alipay",
            "sandbox-ali-hotline-reply",
        ),
    ]
    sms: Annotated[bool, doc("Whether it may also go by SMS", True)]


class TemplateList(msgspec.Struct, frozen=True, kw_only=True):
    items: list[TemplateRead]
