"""``NotificationService``: what other features call to tell a citizen something, and the citizen's own
inbox, preferences and subscribe-message authorisations.

    async with transaction(engine):
        await repository.move(application_id, ...)                  # the state change
        await notifications.notify(citizen_id, template=STATUS_CHANGED.code, data={...},
                                   key=f"application:{application_id}:event:{seq}")
    notifications.wake()

``notify`` writes the inbox row and the outbox job in the caller's transaction: both commit with the
state change or neither does, and the same ``key`` (the cause) never makes a second message. The
sending — which channel, under which authorisation — happens in the outbox worker
(``backend.notification.sender``).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

import msgspec
from piccolo.engine.base import Engine

from backend.account_link.service import AccountLinkService
from backend.clock import Clock
from backend.database import transaction
from backend.notices import Template
from backend.notification.errors import (
    CategoryUnknown,
    MessageNotFound,
    PlatformNotLinked,
    PlatformNotOffered,
)
from backend.notification.quiet import QuietHours, minutes
from backend.notification.registry import TemplateRegistry
from backend.notification.repository import MessageRow, NotificationRepository, PreferenceRow
from backend.notification.settings import NotificationSettings
from backend.outbox.service import Outbox
from backend.pagination import decode_cursor, encode_cursor

TOPIC = "notification.send"
CHANNELS: tuple[Literal["wechat", "alipay", "sms"], ...] = ("wechat", "alipay", "sms")
Platform = Literal["wechat", "alipay"]
# The outbox key is ``notification:`` + the cause, at most 200 characters.
MAX_KEY = 180


class PlatformMessage(msgspec.Struct, frozen=True, kw_only=True):
    template_id: str
    data: dict[str, str]
    page: str | None = None


class SmsMessage(msgspec.Struct, frozen=True, kw_only=True):
    template_code: str
    params: dict[str, str]


class MessagePayload(msgspec.Struct, frozen=True, kw_only=True):
    """What each channel sends, rendered when the notice was made; None: not sent on that channel."""

    wechat: PlatformMessage | None = None
    alipay: PlatformMessage | None = None
    sms: SmsMessage | None = None


class SendJob(msgspec.Struct, frozen=True, kw_only=True):
    message_id: uuid.UUID


@dataclass(frozen=True, slots=True, kw_only=True)
class Preferences:
    """Per category, per channel: on or off (the inbox is always on); quiet hours or None."""

    channels: dict[str, dict[str, bool]]
    quiet: QuietHours | None

    def allows(self, category: str, channel: str) -> bool:
        return self.channels.get(category, {}).get(channel, True)


def payload_of(template: Template, data: Mapping[str, object]) -> tuple[str, str, MessagePayload]:
    """The title, body and channel payloads of ``template`` filled with ``data``."""
    rendered = template.render(data)
    wechat = alipay = sms = None
    if template.wechat is not None:
        wechat = PlatformMessage(
            template_id=template.wechat.template_id, data=dict(rendered.wechat), page=rendered.wechat_page
        )
    if template.alipay is not None:
        alipay = PlatformMessage(
            template_id=template.alipay.template_id, data=dict(rendered.alipay), page=rendered.alipay_page
        )
    if template.sms is not None:
        sms = SmsMessage(template_code=template.sms.template_code, params=dict(rendered.sms))
    return rendered.title, rendered.body, MessagePayload(wechat=wechat, alipay=alipay, sms=sms)


class NotificationService:
    """Notices for features; the inbox, preferences and authorisations for citizens."""

    def __init__(
        self,
        *,
        repository: NotificationRepository,
        registry: TemplateRegistry,
        outbox: Outbox,
        links: AccountLinkService,
        settings: NotificationSettings,
        clock: Clock,
        engine: Engine[Any],
    ) -> None:
        self._repository = repository
        self.registry = registry
        self._outbox = outbox
        self._links = links
        self._clock = clock
        self._engine = engine
        self._default_quiet = QuietHours(minutes(settings.quiet_start), minutes(settings.quiet_end))

    async def notify(
        self, citizen_id: uuid.UUID, *, template: str | Template, data: Mapping[str, object], key: str
    ) -> bool:
        """Tell ``citizen_id`` ``template`` filled with ``data``, once per ``key`` (the cause); call it
        inside the state change's transaction, and ``wake()`` after it commits. False when ``key``
        was told before. Non-urgent notices made in the citizen's quiet hours wait until they end."""
        code = template if isinstance(template, str) else template.code
        if len(key) > MAX_KEY:
            raise ValueError(f"a notice key is at most {MAX_KEY} characters")
        chosen = self.registry.get(code)
        title, body, payload = payload_of(chosen, data)
        now = self._clock.now()
        wait = timedelta(0) if chosen.urgent else await self._quiet_wait(citizen_id, now)
        row = MessageRow(
            id=uuid.uuid4(), citizen_id=citizen_id, key=key, template=code, category=chosen.category,
            urgent=int(chosen.urgent), title=title, body=body, payload=msgspec.json.encode(payload).decode(),
            state="queued", channel=None, reason="", tries=0, upstream_id=None, created_at=now,
            due_at=now + wait, updated_at=now, sent_at=None, read_at=None,
        )  # fmt: skip
        async with transaction(self._engine):  # joins the caller's
            if not await self._repository.insert(row):
                return False
            await self._outbox.enqueue(
                TOPIC,
                key=f"notification:{key}",
                payload=SendJob(message_id=row.id),
                delay=wait.total_seconds(),
            )
        return True

    def wake(self) -> None:
        """After the notifying transaction committed: this process's workers send at once."""
        self._outbox.wake()

    async def _quiet_wait(self, citizen_id: uuid.UUID, now: datetime) -> timedelta:
        quiet = (await self.preferences(citizen_id)).quiet
        return quiet.wait(now) if quiet is not None else timedelta(0)

    async def page(
        self, citizen_id: uuid.UUID, *, cursor: str | None, limit: int
    ) -> tuple[list[MessageRow], str | None]:
        before = decode_cursor(cursor, tuple[datetime, uuid.UUID]) if cursor else None
        rows = await self._repository.page(citizen_id, before=before, limit=limit + 1)
        more = len(rows) > limit
        rows = rows[:limit]
        return rows, (encode_cursor(rows[-1].created_at, rows[-1].id) if more and rows else None)

    async def get(self, citizen_id: uuid.UUID, message_id: uuid.UUID) -> MessageRow:
        row = await self._repository.find(message_id, citizen_id=citizen_id)
        if row is None:
            raise MessageNotFound()
        return row

    async def find_by_key(self, key: str) -> MessageRow | None:
        return await self._repository.find_by_key(key)

    async def mark_read(self, citizen_id: uuid.UUID, message_id: uuid.UUID) -> MessageRow:
        await self._repository.mark_read(message_id, citizen_id, now=self._clock.now())
        return await self.get(citizen_id, message_id)

    async def preferences(self, citizen_id: uuid.UUID) -> Preferences:
        return self._preferences(await self._repository.preference(citizen_id))

    async def preferences_of(self, citizen_ids: list[uuid.UUID]) -> dict[uuid.UUID, Preferences]:
        """Every one of ``citizen_ids``' preferences in one query (a feature telling many at once)."""
        rows = await self._repository.preferences(citizen_ids)
        return {citizen_id: self._preferences(rows.get(citizen_id)) for citizen_id in citizen_ids}

    def _preferences(self, row: PreferenceRow | None) -> Preferences:
        if row is None:
            return Preferences(channels={}, quiet=self._default_quiet)
        channels = msgspec.json.decode(row.channels, type=dict[str, dict[str, bool]])
        quiet = None
        if row.quiet_start is not None and row.quiet_end is not None:
            quiet = QuietHours(row.quiet_start, row.quiet_end)
        return Preferences(channels=channels, quiet=quiet)

    def default_quiet(self) -> QuietHours:
        return self._default_quiet

    async def set_preferences(
        self, citizen_id: uuid.UUID, *, channels: Mapping[str, Mapping[str, bool]], quiet: QuietHours | None
    ) -> Preferences:
        """Replace the citizen's choices; a category not named is all on."""
        known = set(self.registry.categories())
        for category in channels:
            if category not in known:
                raise CategoryUnknown(category)
        kept = {c: {ch: bool(on) for ch, on in chosen.items()} for c, chosen in channels.items()}
        await self._repository.save_preference(
            citizen_id,
            channels=msgspec.json.encode(kept).decode(),
            quiet_start=None if quiet is None else quiet.start,
            quiet_end=None if quiet is None else quiet.end,
            now=self._clock.now(),
        )
        return await self.preferences(citizen_id)

    async def subscribe(self, citizen_id: uuid.UUID, *, template: str, platform: Platform) -> int:
        """Record one authorisation the citizen gave in the mini program (``requestSubscribeMessage``
        answered "accept") for ``template`` on ``platform``; the number now held."""
        chosen = self.registry.get(template)
        if (chosen.wechat if platform == "wechat" else chosen.alipay) is None:
            raise PlatformNotOffered()
        user = await self._links.platform_user(citizen_id, platform)
        if user is None:
            raise PlatformNotLinked()
        return await self._repository.add_grant(
            citizen_id, platform=platform, template=template, platform_user=user, now=self._clock.now()
        )

    async def grants(self, citizen_id: uuid.UUID) -> dict[tuple[str, str], int]:
        """(platform, template) → authorisations held by the citizen's current platform users."""
        held: dict[tuple[str, str], int] = {}
        for grant in await self._repository.grants(citizen_id):
            user = await self._links.platform_user(citizen_id, grant.platform)  # type: ignore[arg-type]
            if user == grant.platform_user:
                held[(grant.platform, grant.template)] = grant.remaining
        return held
