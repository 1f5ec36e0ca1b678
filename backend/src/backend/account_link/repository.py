from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import msgspec

from backend.account_link.identity import Link, Platform, PlatformIdentity
from backend.account_link.tables import PlatformLink
from backend.clock import as_utc
from backend.database import Repository, UniqueViolation


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


def _row(raw: dict[str, Any]) -> Link:
    return Link(**{**raw, "created_at": as_utc(raw["created_at"])})


class LinkRepository(Repository):
    async def find_by_identity(self, platform: Platform, subject: str) -> Link | None:
        raw = (
            await PlatformLink.select(*_COLUMNS)
            .where((PlatformLink.platform == platform) & (PlatformLink.platform_user_id == subject))
            .first()
        )
        return None if raw is None else _row(raw)

    async def list_for(self, citizen_id: uuid.UUID) -> list[Link]:
        rows = (
            await PlatformLink.select(*_COLUMNS)
            .where(PlatformLink.citizen_id == citizen_id)
            .order_by(PlatformLink.created_at)
        )
        return [_row(raw) for raw in rows]

    async def users_of(self, citizen_ids: list[uuid.UUID], platform: Platform) -> dict[uuid.UUID, str]:
        """Citizen → their user id on ``platform``, for those of ``citizen_ids`` linked there."""
        if not citizen_ids:
            return {}
        rows = await PlatformLink.select(PlatformLink.citizen_id, PlatformLink.platform_user_id).where(
            (PlatformLink.platform == platform) & PlatformLink.citizen_id.is_in(citizen_ids)
        )
        return {row["citizen_id"]: row["platform_user_id"] for row in rows}

    async def create(self, citizen_id: uuid.UUID, identity: PlatformIdentity, *, now: datetime) -> Link:
        """Link ``identity`` to the citizen; ``LinkTaken`` when either unique constraint says no."""
        row = Link(
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

    async def delete_own(self, citizen_id: uuid.UUID, link_id: uuid.UUID) -> Link | None:
        """Delete one of the citizen's own links; None when no such link is theirs."""
        rows = await (
            PlatformLink.delete()
            .where((PlatformLink.id == link_id) & (PlatformLink.citizen_id == citizen_id))
            .returning(*_COLUMNS)
        )
        return _row(rows[0]) if rows else None
