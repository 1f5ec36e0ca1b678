"""Every query of the notification feature. "Only once" is the database's: a message per cause (unique
``key``), one channel per message (set while it is null), one send per authorisation (``remaining > 0``
in the UPDATE that spends it)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from piccolo.querystring import QueryString

from backend.clock import as_utc, as_utc_or_none
from backend.database import Repository
from backend.notification.tables import NotificationGrant, NotificationMessage, NotificationPreference

M, G, P = NotificationMessage, NotificationGrant, NotificationPreference
State = Literal["queued", "sent", "failed", "skipped"]
Channel = Literal["wechat", "alipay", "sms"]
FINAL: tuple[State, ...] = ("sent", "skipped")


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageRow:
    id: uuid.UUID
    citizen_id: uuid.UUID
    key: str
    template: str
    category: str
    urgent: int
    title: str
    body: str
    payload: str
    state: State
    channel: Channel | None
    reason: str
    tries: int
    upstream_id: str | None
    created_at: datetime
    due_at: datetime
    updated_at: datetime
    sent_at: datetime | None
    read_at: datetime | None


@dataclass(frozen=True, slots=True, kw_only=True)
class GrantRow:
    platform: str
    template: str
    platform_user: str
    remaining: int


@dataclass(frozen=True, slots=True, kw_only=True)
class PreferenceRow:
    channels: str
    quiet_start: int | None
    quiet_end: int | None


def _message(row: dict[str, Any]) -> MessageRow:
    times = ("created_at", "due_at", "updated_at")
    return MessageRow(
        **{
            **row,
            **{name: as_utc(row[name]) for name in times},
            "sent_at": as_utc_or_none(row["sent_at"]),
            "read_at": as_utc_or_none(row["read_at"]),
        }
    )


class NotificationRepository(Repository):
    async def insert(self, row: MessageRow) -> bool:
        """Insert a queued message; False when its cause (``key``) has one already."""
        values = {f: getattr(row, f) for f in row.__dataclass_fields__}
        rows = await M.insert(M(**values)).on_conflict(action="DO NOTHING").returning(M.id)
        return bool(rows)

    async def find(self, message_id: uuid.UUID, *, citizen_id: uuid.UUID | None = None) -> MessageRow | None:
        query = M.select().where(M.id == message_id)
        if citizen_id is not None:
            query = query.where(M.citizen_id == citizen_id)
        row = await query.first()
        return _message(row) if row else None

    async def find_by_key(self, key: str) -> MessageRow | None:
        row = await M.select().where(M.key == key).first()
        return _message(row) if row else None

    async def page(
        self, citizen_id: uuid.UUID, *, before: tuple[datetime, uuid.UUID] | None, limit: int
    ) -> list[MessageRow]:
        """The citizen's messages, newest first."""
        query = M.select().where(M.citizen_id == citizen_id)
        if before is not None:
            at, last = before
            query = query.where((M.created_at < at) | ((M.created_at == at) & (M.id < last)))
        rows = await query.order_by(M.created_at, M.id, ascending=False).limit(limit)
        return [_message(r) for r in rows]

    async def choose(self, message_id: uuid.UUID, channel: Channel, *, now: datetime) -> bool:
        """Set the message's channel, once: False when one was chosen already."""
        rows = (
            await M.update({M.channel: channel, M.updated_at: now})
            .where((M.id == message_id) & M.channel.is_null() & (M.state == "queued"))
            .returning(M.id)
        )
        return bool(rows)

    async def fall_back(self, message_id: uuid.UUID, *, from_: Channel, to: Channel, now: datetime) -> bool:
        rows = (
            await M.update({M.channel: to, M.tries: 0, M.updated_at: now})
            .where((M.id == message_id) & (M.channel == from_) & (M.state == "queued"))
            .returning(M.id)
        )
        return bool(rows)

    async def count_try(self, message_id: uuid.UUID, *, now: datetime) -> int:
        """Count one more call to the chosen channel (before it is made); the count."""
        rows = await self._engine.run_querystring(
            QueryString(
                "UPDATE notification_message SET tries = tries + 1, updated_at = {} WHERE id = {} "
                "RETURNING tries",
                now,
                message_id,
            )
        )
        return int(rows[0]["tries"]) if rows else 0

    async def finish(
        self,
        message_id: uuid.UUID,
        state: State,
        *,
        reason: str = "",
        upstream_id: str | None = None,
        now: datetime,
    ) -> bool:
        """Record the outcome; False when the message was sent or skipped already (a repeat)."""
        changes: dict[Any, Any] = {M.state: state, M.reason: reason, M.updated_at: now}
        if state == "sent":
            changes[M.sent_at] = now
            changes[M.upstream_id] = upstream_id
        rows = (
            await M.update(changes).where((M.id == message_id) & M.state.not_in(list(FINAL))).returning(M.id)
        )
        return bool(rows)

    async def note(self, message_id: uuid.UUID, reason: str, *, now: datetime) -> None:
        """Why the last try did not get through (the message stays queued and is tried again)."""
        await M.update({M.reason: reason, M.updated_at: now}).where(
            (M.id == message_id) & (M.state == "queued")
        )

    async def mark_read(self, message_id: uuid.UUID, citizen_id: uuid.UUID, *, now: datetime) -> bool:
        rows = (
            await M.update({M.read_at: now})
            .where((M.id == message_id) & (M.citizen_id == citizen_id) & M.read_at.is_null())
            .returning(M.id)
        )
        return bool(rows)

    async def add_grant(
        self, citizen_id: uuid.UUID, *, platform: str, template: str, platform_user: str, now: datetime
    ) -> int:
        """One more authorisation; a grant held for another platform user (the citizen relinked) is
        replaced, not added to. The number now held."""
        rows = await self._engine.run_querystring(
            QueryString(
                "INSERT INTO notification_grant (id, citizen_id, platform, template, platform_user, "
                "remaining, updated_at) VALUES ({}, {}, {}, {}, {}, 1, {}) "
                "ON CONFLICT (citizen_id, platform, template) DO UPDATE SET "
                "remaining = CASE WHEN notification_grant.platform_user = excluded.platform_user "
                "THEN notification_grant.remaining + 1 ELSE 1 END, "
                "platform_user = excluded.platform_user, updated_at = excluded.updated_at "
                "RETURNING remaining",
                uuid.uuid4(),
                citizen_id,
                platform,
                template,
                platform_user,
                now,
            )
        )
        return int(rows[0]["remaining"])

    async def spend_grant(
        self, citizen_id: uuid.UUID, *, platform: str, template: str, platform_user: str, now: datetime
    ) -> bool:
        """Spend one authorisation of ``platform_user``; False when none is left."""
        rows = await self._engine.run_querystring(
            QueryString(
                "UPDATE notification_grant SET remaining = remaining - 1, updated_at = {} "
                "WHERE citizen_id = {} AND platform = {} AND template = {} AND platform_user = {} "
                "AND remaining > 0 RETURNING remaining",
                now,
                citizen_id,
                platform,
                template,
                platform_user,
            )
        )
        return bool(rows)

    async def held(self, citizen_id: uuid.UUID, *, template: str) -> set[str]:
        """The platforms on which the citizen holds an authorisation of ``template`` (any platform user)."""
        rows = await G.select(G.platform).where(
            (G.citizen_id == citizen_id) & (G.template == template) & (G.remaining > 0)
        )
        return {r["platform"] for r in rows}

    async def drop_grants(
        self, citizen_id: uuid.UUID, *, platform: str, template: str, now: datetime
    ) -> None:
        """The platform says none is left (the user withdrew it in their settings): believe it."""
        await G.update({G.remaining: 0, G.updated_at: now}).where(
            (G.citizen_id == citizen_id) & (G.platform == platform) & (G.template == template)
        )

    async def grants(self, citizen_id: uuid.UUID) -> list[GrantRow]:
        rows = await G.select(G.platform, G.template, G.platform_user, G.remaining).where(
            G.citizen_id == citizen_id
        )
        return [GrantRow(**r) for r in rows]

    async def preference(self, citizen_id: uuid.UUID) -> PreferenceRow | None:
        row = await P.select(P.channels, P.quiet_start, P.quiet_end).where(P.citizen_id == citizen_id).first()
        return PreferenceRow(**row) if row else None

    async def preferences(self, citizen_ids: list[uuid.UUID]) -> dict[uuid.UUID, PreferenceRow]:
        """The rows of those of ``citizen_ids`` that have one, in one query."""
        if not citizen_ids:
            return {}
        rows = await P.select(P.citizen_id, P.channels, P.quiet_start, P.quiet_end).where(
            P.citizen_id.is_in(citizen_ids)
        )
        return {row.pop("citizen_id"): PreferenceRow(**row) for row in rows}

    async def save_preference(
        self,
        citizen_id: uuid.UUID,
        *,
        channels: str,
        quiet_start: int | None,
        quiet_end: int | None,
        now: datetime,
    ) -> None:
        await self._engine.run_querystring(
            QueryString(
                "INSERT INTO notification_preference (id, citizen_id, channels, quiet_start, quiet_end, "
                "updated_at) VALUES ({}, {}, {}, {}, {}, {}) ON CONFLICT (citizen_id) DO UPDATE SET "
                "channels = excluded.channels, quiet_start = excluded.quiet_start, "
                "quiet_end = excluded.quiet_end, updated_at = excluded.updated_at",
                uuid.uuid4(),
                citizen_id,
                channels,
                quiet_start,
                quiet_end,
                now,
            )
        )
