"""Queries of the citizen feature; lookups go by blind index, never by plaintext."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

import msgspec

from backend.citizen.tables import Citizen, ReclaimFollowUp
from backend.clock import as_utc
from backend.database import Repository, UniqueViolation

Status = Literal["active", "frozen", "closing"]
ACTIVE: Status = "active"
FROZEN: Status = "frozen"
# Its owner asked to close it (``backend.datarights``): no new session; the outbox deletes the row.
CLOSING: Status = "closing"


class CitizenRow(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    name_sealed: str
    id_number_sealed: str
    phone_sealed: str
    password_hash: str | None
    verified_at: datetime
    created_at: datetime
    status: Status = ACTIVE


class NewCitizen(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    name_sealed: str
    id_number_sealed: str
    id_number_index: str
    phone_sealed: str
    phone_index: str
    password_hash: str | None
    verified_at: datetime
    created_at: datetime
    # The face verification that proved the registrant: one citizen per verification (unique).
    face_verification: str | None = None


class CitizenLogin(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    password_hash: str | None
    frozen: bool = False


class DuplicateCitizen(Exception):
    """The unique ID-number or phone index (among active citizens) refused an insert."""


_COLUMNS = (
    Citizen.id,
    Citizen.name_sealed,
    Citizen.id_number_sealed,
    Citizen.phone_sealed,
    Citizen.password_hash,
    Citizen.verified_at,
    Citizen.created_at,
    Citizen.status,
)
_ACTIVE = Citizen.status == ACTIVE


def _row(raw: dict[str, Any]) -> CitizenRow:
    return CitizenRow(
        **{**raw, "verified_at": as_utc(raw["verified_at"]), "created_at": as_utc(raw["created_at"])}
    )


# Every app screen starts with this read (``GET /me``): plain SQL, not piccolo's select builder, whose
# query assembly was a sixth of the request's CPU (BENCHMARKS.md, "me").
_FIND = (
    "SELECT id, name_sealed, id_number_sealed, phone_sealed, password_hash, verified_at, created_at, status "
    "FROM citizen WHERE id = {}"
)


class CitizenRepository(Repository):
    async def find(self, citizen_id: uuid.UUID) -> CitizenRow | None:
        rows = await Citizen.raw(_FIND, citizen_id)
        if not rows:
            return None
        raw = rows[0]
        # SQLite hands a UUID back as its text.
        return _row(
            {**raw, "id": raw["id"] if isinstance(raw["id"], uuid.UUID) else uuid.UUID(str(raw["id"]))}
        )

    async def sealed_phones(self, citizen_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
        """The sealed phone numbers of those of ``citizen_ids`` that are active, in one query."""
        if not citizen_ids:
            return {}
        rows = await Citizen.select(Citizen.id, Citizen.phone_sealed).where(
            Citizen.id.is_in(citizen_ids) & _ACTIVE
        )
        return {row["id"]: row["phone_sealed"] for row in rows}

    async def find_login(self, phone_index: str) -> CitizenLogin | None:
        """The active account of the phone; else its most recently frozen one (to say it is frozen)."""
        rows = (
            await Citizen.select(Citizen.id, Citizen.password_hash, Citizen.status)
            .where(Citizen.phone_index == phone_index)
            .order_by(Citizen.created_at, ascending=False)
        )
        if not rows:
            return None
        raw = next((r for r in rows if r["status"] == ACTIVE), rows[0])
        return CitizenLogin(id=raw["id"], password_hash=raw["password_hash"], frozen=raw["status"] != ACTIVE)

    async def find_holder(self, id_number_index: str) -> CitizenRow | None:
        """The active citizen registered with this ID number, if any."""
        raw = (
            await Citizen.select(*_COLUMNS)
            .where((Citizen.id_number_index == id_number_index) & _ACTIVE)
            .first()
        )
        return None if raw is None else _row(raw)

    async def id_number_taken(self, id_number_index: str) -> bool:
        return await Citizen.exists().where((Citizen.id_number_index == id_number_index) & _ACTIVE)

    async def phone_taken(self, phone_index: str) -> bool:
        return await Citizen.exists().where((Citizen.phone_index == phone_index) & _ACTIVE)

    async def face_verification_used(self, verification_id: str) -> bool:
        return await Citizen.exists().where(Citizen.face_verification == verification_id)

    async def add(self, citizen: NewCitizen) -> None:
        with UniqueViolation(raise_as=DuplicateCitizen):
            await Citizen.insert(Citizen(**msgspec.structs.asdict(citizen)))

    async def freeze(self, citizen_id: uuid.UUID, *, now: datetime) -> str | None:
        """Freeze the citizen if still active, for exactly one caller (the database decides): its
        sealed phone, or None when it was not active."""
        rows = await (
            Citizen.update({Citizen.status: FROZEN, Citizen.frozen_at: now})
            .where((Citizen.id == citizen_id) & _ACTIVE)
            .returning(Citizen.phone_sealed)
        )
        return str(rows[0]["phone_sealed"]) if rows else None

    async def begin_closure(self, citizen_id: uuid.UUID) -> bool:
        """active → closing, for exactly one caller; False when it was not active."""
        rows = await (
            Citizen.update({Citizen.status: CLOSING})
            .where((Citizen.id == citizen_id) & _ACTIVE)
            .returning(Citizen.id)
        )
        return bool(rows)

    async def set_password_hash(self, citizen_id: uuid.UUID, password_hash: str) -> None:
        await Citizen.update({Citizen.password_hash: password_hash}).where(Citizen.id == citizen_id)


def row_of(new: NewCitizen) -> CitizenRow:
    """The row ``new`` becomes once inserted."""
    return CitizenRow(
        id=new.id,
        name_sealed=new.name_sealed,
        id_number_sealed=new.id_number_sealed,
        phone_sealed=new.phone_sealed,
        password_hash=new.password_hash,
        verified_at=new.verified_at,
        created_at=new.created_at,
    )


class FollowUpRow(msgspec.Struct, frozen=True, kw_only=True):
    """A reclaim's follow-up as a runner claimed it (``ReclaimFollowUp``)."""

    id: uuid.UUID
    frozen_citizen: uuid.UUID
    by_citizen: uuid.UUID
    attempts: int
    sessions_ended: bool
    notice: str | None


class FollowUpRepository(Repository):
    """The follow-ups reclaims owe after their commit, one per reclaim (``follow_up``: its own id).
    Every write is conditional, so runners that overlap (the request, a worker's job after a crash)
    do each step's bookkeeping once."""

    async def add(
        self,
        follow_up: uuid.UUID,
        *,
        frozen: uuid.UUID,
        by: uuid.UUID,
        now: datetime,
        due_at: datetime,
    ) -> None:
        await ReclaimFollowUp.insert(
            ReclaimFollowUp(
                id=follow_up, frozen_citizen=frozen, by_citizen=by, created_at=now, due_at=due_at, attempts=0
            )
        )

    async def due(self, *, now: datetime, limit: int) -> list[uuid.UUID]:
        rows = await (
            ReclaimFollowUp.select(ReclaimFollowUp.id)
            .where(ReclaimFollowUp.done_at.is_null() & (ReclaimFollowUp.due_at <= now))
            .order_by(ReclaimFollowUp.due_at)
            .limit(limit)
        )
        return [uuid.UUID(str(row["id"])) for row in rows]

    async def claim(
        self, follow_up: uuid.UUID, *, now: datetime | None, until: datetime
    ) -> FollowUpRow | None:
        """Take the unfinished follow-up until ``until`` (one attempt more) if it is due at ``now``, or
        unconditionally when ``now`` is None (the request that wrote it); None when finished or taken."""
        where = (ReclaimFollowUp.id == follow_up) & ReclaimFollowUp.done_at.is_null()
        if now is not None:
            where = where & (ReclaimFollowUp.due_at <= now)
        rows = await (
            ReclaimFollowUp.update(
                {ReclaimFollowUp.due_at: until, ReclaimFollowUp.attempts: ReclaimFollowUp.attempts + 1}
            )
            .where(where)
            .returning(
                ReclaimFollowUp.id,
                ReclaimFollowUp.frozen_citizen,
                ReclaimFollowUp.by_citizen,
                ReclaimFollowUp.attempts,
                ReclaimFollowUp.sessions_ended_at,
                ReclaimFollowUp.notice,
            )
        )
        if not rows:
            return None
        row = rows[0]
        return FollowUpRow(
            id=uuid.UUID(str(row["id"])),
            frozen_citizen=uuid.UUID(str(row["frozen_citizen"])),
            by_citizen=uuid.UUID(str(row["by_citizen"])),
            attempts=row["attempts"],
            sessions_ended=row["sessions_ended_at"] is not None,
            notice=row["notice"],
        )

    async def sessions_ended(self, follow_up: uuid.UUID, *, now: datetime) -> bool:
        """Record that the account's access tokens are denied: True for the one caller that did."""
        rows = await (
            ReclaimFollowUp.update({ReclaimFollowUp.sessions_ended_at: now})
            .where((ReclaimFollowUp.id == follow_up) & ReclaimFollowUp.sessions_ended_at.is_null())
            .returning(ReclaimFollowUp.id)
        )
        return bool(rows)

    async def noticed(self, follow_up: uuid.UUID, outcome: str) -> bool:
        """Record the notice's outcome ("sent" or "failed"): True for the one caller that did."""
        rows = await (
            ReclaimFollowUp.update({ReclaimFollowUp.notice: outcome})
            .where((ReclaimFollowUp.id == follow_up) & ReclaimFollowUp.notice.is_null())
            .returning(ReclaimFollowUp.id)
        )
        return bool(rows)

    async def settle(self, follow_up: uuid.UUID, *, now: datetime, due_at: datetime) -> None:
        """Finished when both steps are; else due again at ``due_at``."""
        finished = ReclaimFollowUp.sessions_ended_at.is_not_null() & ReclaimFollowUp.notice.is_not_null()
        await ReclaimFollowUp.update({ReclaimFollowUp.done_at: now}).where(
            (ReclaimFollowUp.id == follow_up) & finished
        )
        await ReclaimFollowUp.update({ReclaimFollowUp.due_at: due_at}).where(
            (ReclaimFollowUp.id == follow_up) & ReclaimFollowUp.done_at.is_null()
        )
