"""Queries of the citizen feature; lookups go by blind index, never by plaintext."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import msgspec

from backend.citizen.tables import Citizen
from backend.clock import as_utc
from backend.database import Repository, UniqueViolation


class CitizenRow(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    name_sealed: str
    id_number_sealed: str
    phone_sealed: str
    password_hash: str | None
    verified_at: datetime
    created_at: datetime


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


class DuplicateCitizen(Exception):
    """The unique ID-number or phone index refused an insert."""


_COLUMNS = (
    Citizen.id,
    Citizen.name_sealed,
    Citizen.id_number_sealed,
    Citizen.phone_sealed,
    Citizen.password_hash,
    Citizen.verified_at,
    Citizen.created_at,
)


def _row(raw: dict[str, Any]) -> CitizenRow:
    return CitizenRow(
        **{**raw, "verified_at": as_utc(raw["verified_at"]), "created_at": as_utc(raw["created_at"])}
    )


class CitizenRepository(Repository):
    async def find(self, citizen_id: uuid.UUID) -> CitizenRow | None:
        raw = await Citizen.select(*_COLUMNS).where(Citizen.id == citizen_id).first()
        return None if raw is None else _row(raw)

    async def find_login(self, phone_index: str) -> CitizenLogin | None:
        raw = (
            await Citizen.select(Citizen.id, Citizen.password_hash)
            .where(Citizen.phone_index == phone_index)
            .first()
        )
        return None if raw is None else CitizenLogin(id=raw["id"], password_hash=raw["password_hash"])

    async def id_number_taken(self, id_number_index: str) -> bool:
        return await Citizen.exists().where(Citizen.id_number_index == id_number_index)

    async def phone_taken(self, phone_index: str) -> bool:
        return await Citizen.exists().where(Citizen.phone_index == phone_index)

    async def add(self, citizen: NewCitizen) -> None:
        with UniqueViolation(raise_as=DuplicateCitizen):
            await Citizen.insert(Citizen(**msgspec.structs.asdict(citizen)))

    async def set_password_hash(self, citizen_id: uuid.UUID, password_hash: str) -> None:
        await Citizen.update({Citizen.password_hash: password_hash}).where(Citizen.id == citizen_id)
