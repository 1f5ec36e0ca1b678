"""Queries of the citizen feature; lookups go by blind index, never by plaintext."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

import msgspec

from backend.citizen.tables import Citizen
from backend.clock import as_utc
from backend.database import Repository, UniqueViolation

Status = Literal["active", "frozen"]
ACTIVE: Status = "active"
FROZEN: Status = "frozen"


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


class CitizenRepository(Repository):
    async def find(self, citizen_id: uuid.UUID) -> CitizenRow | None:
        raw = await Citizen.select(*_COLUMNS).where(Citizen.id == citizen_id).first()
        return None if raw is None else _row(raw)

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

    async def add(self, citizen: NewCitizen) -> None:
        with UniqueViolation(raise_as=DuplicateCitizen):
            await Citizen.insert(Citizen(**msgspec.structs.asdict(citizen)))

    async def freeze(self, citizen_id: uuid.UUID, *, now: datetime) -> bool:
        """Freeze the citizen if still active: True for exactly one caller (the database decides)."""
        rows = await (
            Citizen.update({Citizen.status: FROZEN, Citizen.frozen_at: now})
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
