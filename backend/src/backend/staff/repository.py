from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import msgspec
from piccolo.custom_types import Combinable
from piccolo.engine.postgres import PostgresEngine

from backend.clock import as_utc, as_utc_or_none
from backend.database import Repository, UniqueViolation, transaction
from backend.staff.settings import Role
from backend.staff.tables import StaffAccount, StaffRecoveryCode, StaffTotp

__all__ = ["Role"]


class StaffRow(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    username: str
    display_name: str
    role: Role
    password_hash: str
    active: bool
    created_at: datetime
    must_change_password: bool = False
    # Which setup tokens count (``backend.staff.setup``).
    setup_generation: int = 0
    setup_holder: str | None = None
    setup_settled: str = ""


class DuplicateUsername(Exception):
    pass


class LastActiveOperator(Exception):
    pass


_COLUMNS = (
    StaffAccount.id,
    StaffAccount.username,
    StaffAccount.display_name,
    StaffAccount.role,
    StaffAccount.password_hash,
    StaffAccount.active,
    StaffAccount.created_at,
    StaffAccount.must_change_password,
    StaffAccount.setup_generation,
    StaffAccount.setup_holder,
    StaffAccount.setup_settled,
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
        self,
        *,
        username: str,
        display_name: str,
        role: Role,
        password_hash: str,
        now: datetime,
        must_change: bool = False,
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
            must_change_password=must_change,
        )
        with UniqueViolation(raise_as=lambda: DuplicateUsername(username)):
            await StaffAccount.insert(StaffAccount(**msgspec.structs.asdict(row)))
        return row

    async def set_password_hash(
        self, staff_id: uuid.UUID, password_hash: str, *, must_change: bool = False
    ) -> None:
        await StaffAccount.update(
            {StaffAccount.password_hash: password_hash, StaffAccount.must_change_password: must_change}
        ).where(StaffAccount.id == staff_id)

    async def settle_setup(
        self, staff_id: uuid.UUID, *, seen: StaffRow | None, holder: str | None, settled: str
    ) -> bool:
        """Move the account's setup generation on (every setup token issued before ends), naming
        ``holder`` (a setup token's ``jti``, or None) as the one that lives on with the steps
        ``settled``. With ``seen``, only from the generation read there: False when another settle
        moved it first (the database decides, by a conditional UPDATE)."""
        condition: Combinable = StaffAccount.id == staff_id
        if seen is not None:
            condition = condition & (StaffAccount.setup_generation == seen.setup_generation)
        rows = (
            await StaffAccount.update(
                {
                    StaffAccount.setup_generation: StaffAccount.setup_generation + 1,
                    StaffAccount.setup_holder: holder,
                    StaffAccount.setup_settled: settled,
                }
            )
            .where(condition)
            .returning(StaffAccount.id)
        )
        return bool(rows)

    async def enable(self, staff_id: uuid.UUID) -> StaffRow | None:
        rows = (
            await StaffAccount.update({StaffAccount.active: True})
            .where(StaffAccount.id == staff_id)
            .returning(*_COLUMNS)
        )
        return _row(rows[0]) if rows else None

    async def disable(self, staff_id: uuid.UUID) -> StaffRow | None:
        """Disable one account (None when there is none); ``LastActiveOperator`` when it is the last
        active operator. The database decides: the active operators' rows are locked first (PostgreSQL
        ``FOR UPDATE``; SQLite's one writer holds the IMMEDIATE transaction), so two operators
        disabling each other at once can't both succeed."""
        async with transaction(self._engine):
            query = StaffAccount.select(StaffAccount.id).where(
                (StaffAccount.role == "operator") & (StaffAccount.active == True)  # noqa: E712 (SQL)
            )
            if isinstance(self._engine, PostgresEngine):
                query = query.lock_rows("UPDATE")
            operators = {raw["id"] for raw in await query}
            if staff_id in operators and len(operators) == 1:
                raise LastActiveOperator()
            rows = (
                await StaffAccount.update({StaffAccount.active: False})
                .where(StaffAccount.id == staff_id)
                .returning(*_COLUMNS)
            )
        return _row(rows[0]) if rows else None


class TotpRow(msgspec.Struct, frozen=True, kw_only=True):
    staff_id: uuid.UUID
    secret: str | None
    confirmed_at: datetime | None
    last_step: int
    pending_secret: str | None
    pending_expires_at: datetime | None
    code_failures: int = 0


_TOTP_COLUMNS = (
    StaffTotp.staff_id,
    StaffTotp.secret,
    StaffTotp.confirmed_at,
    StaffTotp.last_step,
    StaffTotp.pending_secret,
    StaffTotp.pending_expires_at,
    StaffTotp.code_failures,
)


class SecondFactorRepository(Repository):
    """The authenticator secrets and recovery codes of staff members. Whether a code counts is
    decided here, by conditional writes: a step accepted once, a recovery code used once."""

    async def find(self, staff_id: uuid.UUID) -> TotpRow | None:
        raw = await StaffTotp.select(*_TOTP_COLUMNS).where(StaffTotp.staff_id == staff_id).first()
        if raw is None:
            return None
        return TotpRow(
            **{
                **raw,
                "confirmed_at": as_utc_or_none(raw["confirmed_at"]),
                "pending_expires_at": as_utc_or_none(raw["pending_expires_at"]),
            }
        )

    async def start(self, staff_id: uuid.UUID, *, pending_secret: str, expires_at: datetime) -> None:
        """Hold ``pending_secret`` for confirmation, replacing any other pending one; a confirmed
        secret stays in force until the new one is confirmed."""
        await StaffTotp.insert(
            StaffTotp(staff_id=staff_id, pending_secret=pending_secret, pending_expires_at=expires_at)
        ).on_conflict(
            target=StaffTotp.staff_id,
            action="DO UPDATE",
            values=[StaffTotp.pending_secret, StaffTotp.pending_expires_at],
        )

    async def confirm(self, staff_id: uuid.UUID, *, pending_secret: str, step: int, now: datetime) -> bool:
        """Make ``pending_secret`` the member's secret, its first code's ``step`` spent; False when it
        is no longer the pending one (replaced, expired, or confirmed by a concurrent request)."""
        rows = (
            await StaffTotp.update(
                {
                    StaffTotp.secret: pending_secret,
                    StaffTotp.confirmed_at: now,
                    StaffTotp.last_step: step,
                    StaffTotp.pending_secret: None,
                    StaffTotp.pending_expires_at: None,
                    StaffTotp.code_failures: 0,
                }
            )
            .where(
                (StaffTotp.staff_id == staff_id)
                & (StaffTotp.pending_secret == pending_secret)
                & (StaffTotp.pending_expires_at > now)
            )
            .returning(StaffTotp.staff_id)
        )
        return bool(rows)

    async def accept_step(self, staff_id: uuid.UUID, step: int, *, limit: int) -> bool:
        """Spend the code of ``step``: True for exactly one caller, and only for a step later than the
        last one accepted (RFC 6238 §5.2: a code is never accepted twice) and while fewer than
        ``limit`` wrong codes came in a row; the count starts again."""
        rows = (
            await StaffTotp.update({StaffTotp.last_step: step, StaffTotp.code_failures: 0})
            .where(
                (StaffTotp.staff_id == staff_id)
                & StaffTotp.confirmed_at.is_not_null()
                & (StaffTotp.last_step < step)
                & (StaffTotp.code_failures < limit)
            )
            .returning(StaffTotp.staff_id)
        )
        return bool(rows)

    async def count_code_failure(self, staff_id: uuid.UUID, *, limit: int) -> int | None:
        """Count a wrong code: the failures in a row now, or None when the limit was reached already
        (decided by a conditional UPDATE: of racing requests, exactly one makes the count reach it)."""
        rows = (
            await StaffTotp.update({StaffTotp.code_failures: StaffTotp.code_failures + 1})
            .where((StaffTotp.staff_id == staff_id) & (StaffTotp.code_failures < limit))
            .returning(StaffTotp.code_failures)
        )
        return int(rows[0]["code_failures"]) if rows else None

    async def clear_code_failures(self, staff_id: uuid.UUID) -> None:
        await StaffTotp.update({StaffTotp.code_failures: 0}).where(StaffTotp.staff_id == staff_id)

    async def remove(self, staff_id: uuid.UUID) -> bool:
        """Forget the member's authenticator and recovery codes; True when there was a confirmed one."""
        rows = (
            await StaffTotp.delete().where(StaffTotp.staff_id == staff_id).returning(StaffTotp.confirmed_at)
        )
        await StaffRecoveryCode.delete().where(StaffRecoveryCode.staff_id == staff_id)
        return any(row["confirmed_at"] is not None for row in rows)

    async def replace_recovery_codes(self, staff_id: uuid.UUID, hashes: list[str], *, now: datetime) -> None:
        await StaffRecoveryCode.delete().where(StaffRecoveryCode.staff_id == staff_id)
        await StaffRecoveryCode.insert(
            *(
                StaffRecoveryCode(id=uuid.uuid4(), staff_id=staff_id, code_hash=code_hash, created_at=now)
                for code_hash in hashes
            )
        )

    async def use_recovery_code(self, staff_id: uuid.UUID, code_hash: str, *, now: datetime) -> bool:
        """Spend one recovery code: True for exactly one caller, once."""
        rows = (
            await StaffRecoveryCode.update({StaffRecoveryCode.used_at: now})
            .where(
                (StaffRecoveryCode.staff_id == staff_id)
                & (StaffRecoveryCode.code_hash == code_hash)
                & StaffRecoveryCode.used_at.is_null()
            )
            .returning(StaffRecoveryCode.id)
        )
        return bool(rows)

    async def recovery_codes_left(self, staff_id: uuid.UUID) -> int:
        count: int = await StaffRecoveryCode.count().where(
            (StaffRecoveryCode.staff_id == staff_id) & StaffRecoveryCode.used_at.is_null()
        )
        return count
