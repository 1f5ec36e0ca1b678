from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

import msgspec

from backend.clock import as_utc
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
    StaffAccount.created_at,
)


def _row(raw: dict[str, Any]) -> StaffRow:
    return StaffRow(**{**raw, "created_at": as_utc(raw["created_at"])})


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
            created_at=now,
        )
        with UniqueViolation(raise_as=lambda: DuplicateUsername(username)):
            await StaffAccount.insert(StaffAccount(**msgspec.structs.asdict(row)))
        return row

    async def set_password_hash(self, staff_id: uuid.UUID, password_hash: str) -> None:
        await StaffAccount.update({StaffAccount.password_hash: password_hash}).where(
            StaffAccount.id == staff_id
        )
