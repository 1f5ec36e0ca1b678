"""The citizen's notifications over HTTP: the inbox (every message, pushed or not, with how its push
went; an organisation's to those acting for it), preferences and quiet hours, and the
subscribe-message authorisations the mini program records after ``requestSubscribeMessage``."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post, put
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, FromQuery, HeaderParameter, JSONBody, QueryParameter
from litestar.status_codes import HTTP_201_CREATED

from backend.auth.guards import CITIZEN, citizen
from backend.auth.principal import AGENT_SCOPES, Principal
from backend.idempotency import IDEMPOTENCY_ERRORS, Idempotency, idempotent_json
from backend.notification.errors import (
    CategoryUnknown,
    MessageNotFound,
    PlatformNotLinked,
    PlatformNotOffered,
    TemplateNotFound,
)
from backend.notification.quiet import QuietHours, clock_text, minutes
from backend.notification.repository import MessageRow
from backend.notification.schemas import (
    ChannelChoice,
    MessagePage,
    MessageRead,
    PreferencesBody,
    QuietHoursBody,
    SubscriptionCreate,
    SubscriptionRead,
    TemplateList,
    TemplateRead,
)
from backend.notification.service import NotificationService, Preferences
from backend.pagination import CursorInvalid

OWNS = {"message_id": "notification.message"}
# The inbox is its owner's: a citizen's own, or an organisation's to anyone acting for it under any
# agent scope (its notices are about what they all do for it). Preferences and subscribe-message
# authorisations stay the person's (their WeChat / Alipay user, their phone): no acting there.
INBOX = citizen(acting=AGENT_SCOPES)
PageSize = Annotated[int, QueryParameter(ge=1, le=100)]
IdempotencyKey = Annotated[str | None, HeaderParameter(name="idempotency-key")]


def _read(row: MessageRow) -> MessageRead:
    return MessageRead(
        id=row.id, template=row.template, category=row.category, title=row.title, body=row.body,
        urgent=bool(row.urgent), state=row.state, channel=row.channel, reason=row.reason,
        created_at=row.created_at, due_at=row.due_at, sent_at=row.sent_at, read_at=row.read_at,
    )  # fmt: skip


def _preferences(prefs: Preferences, categories: list[str]) -> PreferencesBody:
    return PreferencesBody(
        categories={
            c: ChannelChoice(**{ch: prefs.allows(c, ch) for ch in ("wechat", "alipay", "sms")})
            for c in categories
        },
        quiet_hours=None
        if prefs.quiet is None
        else QuietHoursBody(start=clock_text(prefs.quiet.start), end=clock_text(prefs.quiet.end)),
    )


class NotificationController(Controller):
    path = "/api/v1/notifications"
    tags = ("notifications",)
    opt = {"access": CITIZEN}  # noqa: RUF012 (Litestar's declaration style)

    @get(
        "/",
        summary="Your messages (or your organisation's), newest first, with how each was delivered",
        access=INBOX,
        errors=(CursorInvalid,),
    )
    async def inbox(
        self,
        notifications: NamedDependency[NotificationService],
        principal: NamedDependency[Principal],
        cursor: FromQuery[str | None] = None,
        limit: PageSize = 50,
    ) -> MessagePage:
        rows, next_cursor = await notifications.page(principal.owner, cursor=cursor, limit=limit)
        return MessagePage(items=[_read(r) for r in rows], next_cursor=next_cursor)

    @get(
        "/{message_id:uuid}",
        summary="One of your messages",
        access=INBOX,
        owns=OWNS,
        errors=(MessageNotFound,),
    )
    async def read(
        self,
        message_id: FromPath[uuid.UUID],
        notifications: NamedDependency[NotificationService],
        principal: NamedDependency[Principal],
    ) -> MessageRead:
        return _read(await notifications.get(principal.owner, message_id))

    @post(
        "/{message_id:uuid}/read",
        status_code=200,
        summary="Mark one of your messages read",
        access=INBOX,
        owns=OWNS,
        errors=(MessageNotFound,),
    )
    async def mark_read(
        self,
        message_id: FromPath[uuid.UUID],
        notifications: NamedDependency[NotificationService],
        principal: NamedDependency[Principal],
    ) -> MessageRead:
        return _read(await notifications.mark_read(principal.owner, message_id))

    @get("/preferences", summary="Which channels carry each category of notice; your quiet hours")
    async def preferences(
        self, notifications: NamedDependency[NotificationService], principal: NamedDependency[Principal]
    ) -> PreferencesBody:
        prefs = await notifications.preferences(principal.id)
        return _preferences(prefs, notifications.registry.categories())

    @put("/preferences", summary="Choose channels per category, and quiet hours", errors=(CategoryUnknown,))
    async def set_preferences(
        self,
        data: JSONBody[PreferencesBody],
        notifications: NamedDependency[NotificationService],
        principal: NamedDependency[Principal],
    ) -> PreferencesBody:
        quiet = data.quiet_hours
        prefs = await notifications.set_preferences(
            principal.id,
            channels={
                c: {"wechat": v.wechat, "alipay": v.alipay, "sms": v.sms} for c, v in data.categories.items()
            },
            quiet=None if quiet is None else QuietHours(minutes(quiet.start), minutes(quiet.end)),
        )
        return _preferences(prefs, notifications.registry.categories())

    @get("/templates", summary="The notices the app sends, with the template ids to ask you to allow")
    async def templates(self, notifications: NamedDependency[NotificationService]) -> TemplateList:
        return TemplateList(
            items=[
                TemplateRead(
                    code=t.code,
                    category=t.category,
                    title=t.title,
                    urgent=t.urgent,
                    wechat_template_id=t.wechat.template_id if t.wechat else None,
                    alipay_template_id=t.alipay.template_id if t.alipay else None,
                    sms=t.sms is not None,
                )
                for t in notifications.registry.all()
            ]
        )

    @post(
        "/subscriptions",
        status_code=HTTP_201_CREATED,
        summary="Record that you allowed one message of a template (after requestSubscribeMessage)",
        description='Each "accept" allows one message of that template to your linked platform user; '
        "send an `Idempotency-Key` so a retried request is not counted twice.",
        responses={HTTP_201_CREATED: ResponseSpec(SubscriptionRead, description="Recorded")},
        errors=(TemplateNotFound, PlatformNotOffered, PlatformNotLinked, *IDEMPOTENCY_ERRORS),
    )
    async def subscribe(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[SubscriptionCreate],
        notifications: NamedDependency[NotificationService],
        idempotency: NamedDependency[Idempotency],
        principal: NamedDependency[Principal],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[bytes]:
        async def subscribe() -> SubscriptionRead:
            remaining = await notifications.subscribe(
                principal.id, template=data.template, platform=data.platform
            )
            return SubscriptionRead(template=data.template, platform=data.platform, remaining=remaining)

        return await idempotent_json(
            idempotency,
            request,
            scope=f"notification.subscribe:{principal.subject}",
            key=idempotency_key,
            status=HTTP_201_CREATED,
            call=subscribe,
        )
