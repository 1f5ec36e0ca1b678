from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

import msgspec

from backend.clock import as_utc, as_utc_or_none
from backend.database import Repository, UniqueViolation
from backend.staff.tables import StaffAccount

Role = Literal["operator", "counter"]


class StaffRow(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    username: str
    display_name: str
    role: Role
    password_hash: str
    active: bool
    failed_logins: int
    locked_until: datetime | None
    created_at: datetime


class DuplicateUsername(Exception):
    pass


_COLUMNS = (
    StaffAccount.id,
    StaffAccount.username,
    StaffAccount.display_name,
    StaffAccount.role,
    StaffAccount.password_hash,
    StaffAccount.active,
    StaffAccount.failed_logins,
    StaffAccount.locked_until,
    StaffAccount.created_at,
)


def _row(raw: dict[str, Any]) -> StaffRow:
    return StaffRow(
        **{
            **raw,
            "locked_until": as_utc_or_none(raw["locked_until"]),
            "created_at": as_utc(raw["created_at"]),
        }
    )


class StaffRepository(Repository):
    async def find_by_username(self, username: str) -> StaffRow | None:
        raw = await StaffAccount.select(*_COLUMNS).where(StaffAccount.username == username).first()
        return None if raw is None else _row(raw)

    async def find(self, staff_id: uuid.UUID) -> StaffRow | None:
        raw = await StaffAccount.select(*_COLUMNS).where(StaffAccount.id == staff_id).first()
        return None if raw is None else _row(raw)

    async def list(self, *, after: str | None, limit: int) -> list[StaffRow]:
        query = StaffAccount.select(*_COLUMNS).order_by(StaffAccount.username).limit(limit)
        if after is not None:
            query = query.where(StaffAccount.username > after)
        return [_row(raw) for raw in await query]

    async def create(
        self, *, username: str, display_name: str, role: Role, password_hash: str, now: datetime
    ) -> StaffRow:
        """Insert a staff account; ``DuplicateUsername`` when the (lower-case) name exists."""
        row = StaffRow(
            id=uuid.uuid4(),
            username=username,
            display_name=display_name,
            role=role,
            password_hash=password_hash,
            active=True,
            failed_logins=0,
            locked_until=None,
            created_at=now,
        )
        with UniqueViolation(raise_as=lambda: DuplicateUsername(username)):
            await StaffAccount.insert(StaffAccount(**msgspec.structs.asdict(row)))
        return row

    async def count_attempt(self, staff_id: uuid.UUID, *, threshold: int, now: datetime) -> int | None:
        """Count one more login attempt, unless the account is locked at ``now`` or already has
        ``threshold`` uncleared attempts: the attempt's number, or None when refused. One conditional
        UPDATE, so racing attempts queue on the row lock and at most ``threshold`` are admitted."""
        rows = await (
            StaffAccount.update({StaffAccount.failed_logins: StaffAccount.failed_logins + 1})
            .where(
                (StaffAccount.id == staff_id)
                & (StaffAccount.failed_logins < threshold)
                & (StaffAccount.locked_until.is_null() | (StaffAccount.locked_until <= now))
            )
            .returning(StaffAccount.failed_logins)
        )
        return int(rows[0]["failed_logins"]) if rows else None

    async def lock(self, staff_id: uuid.UUID, *, threshold: int, until: datetime) -> bool:
        """Lock the account and restart its count, if it has ``threshold`` attempts counted; True for
        the one caller that locked it when several race past the threshold together."""
        rows = await (
            StaffAccount.update({StaffAccount.failed_logins: 0, StaffAccount.locked_until: until})
            .where((StaffAccount.id == staff_id) & (StaffAccount.failed_logins >= threshold))
            .returning(StaffAccount.id)
        )
        return bool(rows)

    async def clear_failures(self, staff_id: uuid.UUID) -> None:
        await StaffAccount.update({StaffAccount.failed_logins: 0}).where(
            (StaffAccount.id == staff_id) & (StaffAccount.failed_logins > 0)
        )

    async def set_password_hash(self, staff_id: uuid.UUID, password_hash: str) -> None:
        await StaffAccount.update({StaffAccount.password_hash: password_hash}).where(
            StaffAccount.id == staff_id
        )
