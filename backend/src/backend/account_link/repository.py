from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import msgspec

from backend.account_link.identity import Platform, PlatformIdentity
from backend.account_link.tables import PlatformLink
from backend.clock import as_utc
from backend.database import UniqueViolation


class LinkRow(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    citizen_id: uuid.UUID
    platform: Platform
    app_id: str
    platform_user_id: str
    unionid: str | None
    created_at: datetime


class LinkTaken(Exception):
    """The platform identity is linked already, or the citizen already has a link on that platform."""


_COLUMNS = (
    PlatformLink.id,
    PlatformLink.citizen_id,
    PlatformLink.platform,
    PlatformLink.app_id,
    PlatformLink.platform_user_id,
    PlatformLink.unionid,
    PlatformLink.created_at,
)


def _row(raw: dict[str, Any]) -> LinkRow:
    return LinkRow(**{**raw, "created_at": as_utc(raw["created_at"])})


class LinkRepository:
    async def find_by_identity(self, platform: Platform, subject: str) -> LinkRow | None:
        raw = (
            await PlatformLink.select(*_COLUMNS)
            .where((PlatformLink.platform == platform) & (PlatformLink.platform_user_id == subject))
            .first()
        )
        return None if raw is None else _row(raw)

    async def list_for(self, citizen_id: uuid.UUID) -> list[LinkRow]:
        rows = (
            await PlatformLink.select(*_COLUMNS)
            .where(PlatformLink.citizen_id == citizen_id)
            .order_by(PlatformLink.created_at)
        )
        return [_row(raw) for raw in rows]

    async def create(self, citizen_id: uuid.UUID, identity: PlatformIdentity, *, now: datetime) -> LinkRow:
        """Link ``identity`` to the citizen; ``LinkTaken`` when either unique constraint says no."""
        row = LinkRow(
            id=uuid.uuid4(),
            citizen_id=citizen_id,
            platform=identity.platform,
            app_id=identity.app_id,
            platform_user_id=identity.subject,
            unionid=identity.unionid,
            created_at=now,
        )
        with UniqueViolation(raise_as=LinkTaken):
            await PlatformLink.insert(PlatformLink(**msgspec.structs.asdict(row)))
        return row

    async def delete_own(self, citizen_id: uuid.UUID, link_id: uuid.UUID) -> LinkRow | None:
        """Delete one of the citizen's own links; None when no such link is theirs."""
        rows = await (
            PlatformLink.delete()
            .where((PlatformLink.id == link_id) & (PlatformLink.citizen_id == citizen_id))
            .returning(*_COLUMNS)
        )
        return _row(rows[0]) if rows else None
