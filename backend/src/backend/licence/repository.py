"""Queries of the licence feature: licences held, keys, verifiers, requests, the log, cursors.

Writers that must not interleave (one citizen's pull, one citizen's log) take a transaction-scoped
advisory lock on PostgreSQL; on SQLite the IMMEDIATE write transaction already admits one writer.
Request state changes are conditional updates: the database decides which answer wins.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

import msgspec
from piccolo.engine.base import Engine

from backend.clock import as_utc, as_utc_or_none
from backend.database import Repository
from backend.licence.tables import (
    LicenceCard,
    LicenceKey,
    LicenceLogEntry,
    LicenceRecord,
    LicenceRequest,
    LicenceSync,
    LicenceVerifier,
)

# The library change feed's cursor (``licence_sync``), also the name of its lock.
FEED = "feed"
RequestState = Literal["pending", "presented", "declined", "expired", "verified", "lapsed"]
VerifierKind = Literal["department", "counter", "business"]
LicenceStatus = Literal["valid", "suspended", "expired", "revoked"]


async def serialise(engine: Engine[Any], name: str) -> None:
    """Inside a write transaction: wait for every other writer of ``name`` to commit first."""
    if engine.engine_type == "postgres":
        await LicenceSync.raw("SELECT pg_advisory_xact_lock(hashtext({}))", f"licence:{name}")


class RecordRow(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    citizen_id: uuid.UUID
    identifier_index: str
    kind_code: str
    kind_name: str
    masked_number: str
    issuer_name: str
    issued_on: str
    expires_on: str | None
    status: LicenceStatus
    version: int
    sealed: str
    credential: str
    credential_digest: str
    status_list: int
    status_idx: int
    fetched_at: datetime
    status_changed_at: datetime


class KeyRow(msgspec.Struct, frozen=True, kw_only=True):
    kid: str
    purpose: str
    citizen_id: uuid.UUID | None
    private_key: str
    public_jwk: dict[str, Any]
    created_at: datetime
    retired_at: datetime | None = None


class VerifierRow(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    device_id: uuid.UUID
    name: str
    kind: VerifierKind
    legal_basis: str
    purpose: str
    allowed: dict[str, list[str]]
    retention_days: int
    contact: str
    registered_by: uuid.UUID
    created_at: datetime
    suspended_at: datetime | None = None


class RequestRow(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    verifier_id: uuid.UUID
    citizen_id: uuid.UUID
    kind_code: str
    requested: list[str]
    disclosed: list[str] | None
    nonce: str
    state: RequestState
    presentation: str | None
    created_at: datetime
    expires_at: datetime
    answered_at: datetime | None


def _record(row: dict[str, Any]) -> RecordRow:
    row = dict(row, fetched_at=as_utc(row["fetched_at"]), status_changed_at=as_utc(row["status_changed_at"]))
    return msgspec.convert(row, RecordRow)


def _json(value: Any) -> Any:
    return msgspec.json.decode(value) if isinstance(value, str | bytes) else value


def _verifier(row: dict[str, Any]) -> VerifierRow:
    return VerifierRow(
        **dict(
            row,
            allowed=_json(row["allowed"]),
            created_at=as_utc(row["created_at"]),
            suspended_at=as_utc_or_none(row["suspended_at"]),
        )
    )


def _request(row: dict[str, Any]) -> RequestRow:
    return RequestRow(
        **dict(
            row,
            requested=_json(row["requested"]),
            disclosed=_json(row["disclosed"]) if row["disclosed"] is not None else None,
            created_at=as_utc(row["created_at"]),
            expires_at=as_utc(row["expires_at"]),
            answered_at=as_utc_or_none(row["answered_at"]),
        )
    )


class RecordRepository(Repository):
    async def held(self, citizen_id: uuid.UUID) -> list[RecordRow]:
        rows = (
            await LicenceRecord.select()
            .where(LicenceRecord.citizen_id == citizen_id)
            .order_by(LicenceRecord.kind_code)
        )
        return [_record(r) for r in rows]

    async def find(self, licence_id: uuid.UUID, citizen_id: uuid.UUID) -> RecordRow | None:
        row = (
            await LicenceRecord.select()
            .where((LicenceRecord.id == licence_id) & (LicenceRecord.citizen_id == citizen_id))
            .first()
        )
        return _record(row) if row else None

    async def idx_taken(self, status_list: int, idx: int) -> bool:
        return await LicenceRecord.exists().where(
            (LicenceRecord.status_list == status_list) & (LicenceRecord.status_idx == idx)
        )

    async def insert(self, row: RecordRow) -> None:
        await LicenceRecord.insert(LicenceRecord(**msgspec.structs.asdict(row)))

    async def update(self, row: RecordRow) -> None:
        values = msgspec.structs.asdict(row)
        del values["id"]
        await LicenceRecord.update(values).where(LicenceRecord.id == row.id)  # type: ignore[arg-type]

    async def set_status(
        self, identifier_index: str, status: LicenceStatus, *, now: datetime
    ) -> list[RecordRow]:
        """Every holder's record of one library licence moves to ``status``; the rows that changed."""
        rows = await (
            LicenceRecord.update({LicenceRecord.status: status, LicenceRecord.status_changed_at: now})
            .where((LicenceRecord.identifier_index == identifier_index) & (LicenceRecord.status != status))
            .returning(*LicenceRecord.all_columns())
        )
        return [_record(r) for r in rows]

    async def not_valid(self, status_list: int) -> list[tuple[int, str]]:
        rows = await LicenceRecord.select(LicenceRecord.status_idx, LicenceRecord.status).where(
            (LicenceRecord.status_list == status_list) & (LicenceRecord.status != "valid")
        )
        return [(r["status_idx"], r["status"]) for r in rows]

    async def newest_list(self) -> int | None:
        """The highest status-list number in use (lists run from 1 up); None before the first."""
        rows = await LicenceRecord.raw("SELECT MAX(status_list) AS newest FROM licence_record")
        newest = rows[0]["newest"] if rows else None
        return int(newest) if newest is not None else None


class KeyRepository(Repository):
    async def issuer_keys(self) -> list[KeyRow]:
        rows = await LicenceKey.select().where(LicenceKey.purpose == "issuer").order_by(LicenceKey.created_at)
        return [KeyRow(**dict(r, created_at=as_utc(r["created_at"]), public_jwk=_json(r["public_jwk"]),
                              retired_at=as_utc_or_none(r["retired_at"]))) for r in rows]  # fmt: skip

    async def holder_key(self, citizen_id: uuid.UUID) -> KeyRow | None:
        row = (
            await LicenceKey.select()
            .where((LicenceKey.purpose == "holder") & (LicenceKey.citizen_id == citizen_id))
            .first()
        )
        if row is None:
            return None
        return KeyRow(**dict(row, created_at=as_utc(row["created_at"]), public_jwk=_json(row["public_jwk"]),
                             retired_at=as_utc_or_none(row["retired_at"])))  # fmt: skip

    async def insert(self, row: KeyRow) -> None:
        await LicenceKey.insert(LicenceKey(**msgspec.structs.asdict(row)))


class VerifierRepository(Repository):
    async def insert(self, row: VerifierRow) -> None:
        await LicenceVerifier.insert(LicenceVerifier(**msgspec.structs.asdict(row)))

    async def find(self, verifier_id: uuid.UUID) -> VerifierRow | None:
        row = await LicenceVerifier.select().where(LicenceVerifier.id == verifier_id).first()
        return _verifier(row) if row else None

    async def of_device(self, device_id: uuid.UUID) -> VerifierRow | None:
        row = await LicenceVerifier.select().where(LicenceVerifier.device_id == device_id).first()
        return _verifier(row) if row else None

    async def all(self) -> list[VerifierRow]:
        rows = await LicenceVerifier.select().order_by(LicenceVerifier.created_at)
        return [_verifier(r) for r in rows]

    async def suspend(self, verifier_id: uuid.UUID, *, now: datetime) -> bool:
        rows = await (
            LicenceVerifier.update({LicenceVerifier.suspended_at: now})
            .where((LicenceVerifier.id == verifier_id) & LicenceVerifier.suspended_at.is_null())
            .returning(LicenceVerifier.id)
        )
        return bool(rows)


class RequestRepository(Repository):
    async def insert(self, row: RequestRow) -> None:
        await LicenceRequest.insert(LicenceRequest(**msgspec.structs.asdict(row)))

    async def find(self, request_id: uuid.UUID) -> RequestRow | None:
        row = await LicenceRequest.select().where(LicenceRequest.id == request_id).first()
        return _request(row) if row else None

    async def pending_for(self, citizen_id: uuid.UUID, *, now: datetime) -> list[RequestRow]:
        rows = await (
            LicenceRequest.select()
            .where(
                (LicenceRequest.citizen_id == citizen_id)
                & (LicenceRequest.state == "pending")
                & (LicenceRequest.expires_at > now)
            )
            .order_by(LicenceRequest.created_at)
        )
        return [_request(r) for r in rows]

    async def move(
        self,
        request_id: uuid.UUID,
        *,
        from_state: RequestState,
        to_state: RequestState,
        now: datetime,
        values: dict[Any, Any],
    ) -> bool:
        """``from_state`` → ``to_state`` if the request is still in ``from_state`` and unexpired (a
        presented request may be verified until it expires): one caller wins."""
        rows = await (
            LicenceRequest.update({LicenceRequest.state: to_state, **values})
            .where(
                (LicenceRequest.id == request_id)
                & (LicenceRequest.state == from_state)
                & (LicenceRequest.expires_at > now)
            )
            .returning(LicenceRequest.id)
        )
        return bool(rows)

    async def expire(self, *, now: datetime) -> list[RequestRow]:
        """Close every request past its time: pending ones expire, presented ones lose their
        presentation (the verifier had its window). The closed pending requests, for the log."""
        await LicenceRequest.update(
            {LicenceRequest.presentation: None, LicenceRequest.state: "lapsed"}
        ).where((LicenceRequest.state == "presented") & (LicenceRequest.expires_at <= now))
        rows = await (
            LicenceRequest.update({LicenceRequest.state: "expired", LicenceRequest.answered_at: now})
            .where((LicenceRequest.state == "pending") & (LicenceRequest.expires_at <= now))
            .returning(*LicenceRequest.all_columns())
        )
        return [_request(r) for r in rows]


class LogRepository(Repository):
    async def head(self, citizen_id: uuid.UUID) -> tuple[int, str] | None:
        row = (
            await LicenceLogEntry.select(LicenceLogEntry.seq, LicenceLogEntry.hash)
            .where(LicenceLogEntry.citizen_id == citizen_id)
            .order_by(LicenceLogEntry.seq, ascending=False)
            .first()
        )
        return (row["seq"], row["hash"]) if row else None

    async def append(self, citizen_id: uuid.UUID, seq: int, row: dict[str, Any], digest: str) -> None:
        await LicenceLogEntry.insert(
            LicenceLogEntry(id=uuid.uuid4(), citizen_id=citizen_id, seq=seq, row=row, hash=digest)
        )

    async def rows(self, citizen_id: uuid.UUID) -> list[tuple[dict[str, Any], str]]:
        rows = await (
            LicenceLogEntry.select(LicenceLogEntry.row, LicenceLogEntry.hash)
            .where(LicenceLogEntry.citizen_id == citizen_id)
            .order_by(LicenceLogEntry.seq)
        )
        return [(_json(r["row"]), r["hash"]) for r in rows]


class SyncRepository(Repository):
    async def position(self, name: str) -> tuple[int, datetime] | None:
        row = await LicenceSync.select().where(LicenceSync.name == name).first()
        return (row["position"], as_utc(row["at"])) if row else None

    async def save(self, name: str, position: int, *, now: datetime) -> None:
        await LicenceSync.insert(LicenceSync(name=name, position=position, at=now)).on_conflict(
            target=LicenceSync.name,
            action="DO UPDATE",
            values=[LicenceSync.position, LicenceSync.at],
        )


class CardRow(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    licence_id: uuid.UUID
    citizen_id: uuid.UUID
    platform: Literal["wechat", "alipay"]
    serial: str
    pass_id: str
    created_at: datetime
    withdrawn_at: datetime | None


def _card(row: dict[str, Any]) -> CardRow:
    return CardRow(
        **dict(row, created_at=as_utc(row["created_at"]), withdrawn_at=as_utc_or_none(row["withdrawn_at"]))
    )


class CardRepository(Repository):
    async def insert(self, row: CardRow) -> None:
        await LicenceCard.insert(LicenceCard(**msgspec.structs.asdict(row)))

    async def live(self, licence_id: uuid.UUID, platform: str) -> CardRow | None:
        row = (
            await LicenceCard.select()
            .where(
                (LicenceCard.licence_id == licence_id)
                & (LicenceCard.platform == platform)
                & LicenceCard.withdrawn_at.is_null()
            )
            .first()
        )
        return _card(row) if row else None

    async def of_licence(self, licence_id: uuid.UUID) -> list[CardRow]:
        rows = (
            await LicenceCard.select()
            .where(LicenceCard.licence_id == licence_id)
            .order_by(LicenceCard.created_at)
        )
        return [_card(r) for r in rows]

    async def withdraw(self, card_id: uuid.UUID, *, now: datetime) -> None:
        await LicenceCard.update({LicenceCard.withdrawn_at: now}).where(
            (LicenceCard.id == card_id) & LicenceCard.withdrawn_at.is_null()
        )
