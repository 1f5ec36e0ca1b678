"""Queries of the citizen code: keys and trust lists, holders and devices, revocations, offline scans.

Writers that must not interleave (key maintenance, revocation inserts, scan uploads) take a
transaction-scoped advisory lock on PostgreSQL; on SQLite the IMMEDIATE write transaction
(``backend.database.transaction``) already admits one writer at a time.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import msgspec
from piccolo.engine.base import Engine

from backend.clock import as_utc, as_utc_or_none
from backend.code.tables import (
    CodeDevice,
    CodeHolder,
    CodeKey,
    CodeRevocation,
    CodeScan,
    CodeScanFlag,
    CodeTrustList,
)
from backend.database import Repository, UniqueViolation


async def serialise(engine: Engine[Any], name: str) -> None:
    """Inside a write transaction: wait for every other writer of ``name`` to commit first."""
    if engine.engine_type == "postgres":
        await CodeKey.raw("SELECT pg_advisory_xact_lock(hashtext({}))", f"code:{name}")


class KeyRow(msgspec.Struct, frozen=True, kw_only=True):
    kid: str
    purpose: str
    private_key: str
    published_at: int
    activated_at: int | None
    retired_at: int | None


class TrustListRow(msgspec.Struct, frozen=True, kw_only=True):
    seq: int
    document: bytes
    issued_at: int
    expires_at: int


class KeyRepository(Repository):
    async def keys(self) -> list[KeyRow]:
        rows = await CodeKey.select(
            CodeKey.kid,
            CodeKey.purpose,
            CodeKey.private_key,
            CodeKey.published_at,
            CodeKey.activated_at,
            CodeKey.retired_at,
        ).order_by(CodeKey.published_at)
        return [KeyRow(**row) for row in rows]

    async def add(self, row: KeyRow) -> None:
        await CodeKey.insert(CodeKey(**msgspec.structs.asdict(row)))

    async def set_times(self, kid: str, *, activated_at: int | None, retired_at: int | None) -> None:
        await CodeKey.update({CodeKey.activated_at: activated_at, CodeKey.retired_at: retired_at}).where(
            CodeKey.kid == kid
        )

    async def remove(self, kids: Sequence[str]) -> None:
        if kids:
            await CodeKey.delete().where(CodeKey.kid.is_in(list(kids)))

    async def latest_trust_list(self) -> TrustListRow | None:
        row = (
            await CodeTrustList.select(
                CodeTrustList.seq, CodeTrustList.document, CodeTrustList.issued_at, CodeTrustList.expires_at
            )
            .order_by(CodeTrustList.seq, ascending=False)
            .first()
        )
        return None if row is None else TrustListRow(**row)

    async def latest_trust_list_seq(self) -> int | None:
        row = (
            await CodeTrustList.select(CodeTrustList.seq).order_by(CodeTrustList.seq, ascending=False).first()
        )
        return None if row is None else int(row["seq"])

    async def add_trust_list(self, row: TrustListRow) -> None:
        await CodeTrustList.insert(CodeTrustList(**msgspec.structs.asdict(row)))


class Holder(msgspec.Struct, frozen=True, kw_only=True):
    citizen_id: uuid.UUID
    code_id: str
    status: str


class DeviceRow(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    citizen_id: uuid.UUID
    key_thumbprint: str
    public_key: bytes
    label: str
    created_at: datetime
    credential_issued_at: datetime
    credential_expires_at: datetime
    revoked_at: datetime | None


_DEVICE_COLUMNS = (
    CodeDevice.id,
    CodeDevice.citizen_id,
    CodeDevice.key_thumbprint,
    CodeDevice.public_key,
    CodeDevice.label,
    CodeDevice.created_at,
    CodeDevice.credential_issued_at,
    CodeDevice.credential_expires_at,
    CodeDevice.revoked_at,
)


def _device(raw: dict[str, Any]) -> DeviceRow:
    times = ("created_at", "credential_issued_at", "credential_expires_at")
    return DeviceRow(
        **{
            **raw,
            **{name: as_utc(raw[name]) for name in times},
            "public_key": bytes(raw["public_key"]),
            "revoked_at": as_utc_or_none(raw["revoked_at"]),
        }
    )


class HolderRepository(Repository):
    async def find(self, citizen_id: uuid.UUID) -> Holder | None:
        row = (
            await CodeHolder.select(CodeHolder.code_id, CodeHolder.status)
            .where(CodeHolder.citizen_id == citizen_id)
            .first()
        )
        return None if row is None else Holder(citizen_id=citizen_id, **row)

    async def find_by_code_id(self, code_id: str) -> uuid.UUID | None:
        """The citizen whose code id is ``code_id`` (unique), or None."""
        row = await CodeHolder.select(CodeHolder.citizen_id).where(CodeHolder.code_id == code_id).first()
        return None if row is None else uuid.UUID(str(row["citizen_id"]))

    async def add(self, holder: Holder, *, now: datetime) -> bool:
        """Insert ``holder``; False when the citizen (or, vanishingly rarely, the code id) exists."""
        with UniqueViolation() as taken:
            await CodeHolder.insert(CodeHolder(**msgspec.structs.asdict(holder), created_at=now))
        return not taken.occurred

    async def lock(self, citizen_id: uuid.UUID) -> None:
        """Inside a write transaction: hold the citizen's holder row until commit (device limits)."""
        if self._engine.engine_type == "postgres":
            await CodeHolder.raw("SELECT 1 FROM code_holder WHERE citizen_id = {} FOR UPDATE", citizen_id)

    async def set_status(self, citizen_id: uuid.UUID, status: str) -> str | None:
        """Set the status; returns the previous one (None when there is no holder row)."""
        previous = await self.find(citizen_id)
        if previous is not None and previous.status != status:
            await CodeHolder.update({CodeHolder.status: status}).where(CodeHolder.citizen_id == citizen_id)
        return None if previous is None else previous.status

    async def devices(self, citizen_id: uuid.UUID, *, include_revoked: bool) -> list[DeviceRow]:
        query = (
            CodeDevice.select(*_DEVICE_COLUMNS)
            .where(CodeDevice.citizen_id == citizen_id)
            .order_by(CodeDevice.created_at, ascending=False)
        )
        if not include_revoked:
            query = query.where(CodeDevice.revoked_at.is_null())
        return [_device(raw) for raw in await query]

    async def find_device(self, citizen_id: uuid.UUID, *, thumbprint: str) -> DeviceRow | None:
        raw = (
            await CodeDevice.select(*_DEVICE_COLUMNS)
            .where((CodeDevice.citizen_id == citizen_id) & (CodeDevice.key_thumbprint == thumbprint))
            .first()
        )
        return None if raw is None else _device(raw)

    async def count_active_devices(self, citizen_id: uuid.UUID, *, now: datetime) -> int:
        """Devices not revoked whose credential is still valid (a phone gone silent frees its slot)."""
        count: int = await CodeDevice.count().where(
            (CodeDevice.citizen_id == citizen_id)
            & CodeDevice.revoked_at.is_null()
            & (CodeDevice.credential_expires_at > now)
        )
        return count

    async def add_device(self, row: DeviceRow) -> None:
        await CodeDevice.insert(CodeDevice(**msgspec.structs.asdict(row)))

    async def renew_device(self, device_id: uuid.UUID, *, issued_at: datetime, expires_at: datetime) -> None:
        await CodeDevice.update(
            {CodeDevice.credential_issued_at: issued_at, CodeDevice.credential_expires_at: expires_at}
        ).where(CodeDevice.id == device_id)

    async def revoke_device(self, citizen_id: uuid.UUID, device_id: uuid.UUID, *, now: datetime) -> bool:
        """Revoke the citizen's live device; False when it is not theirs or already revoked."""
        rows = await (
            CodeDevice.update({CodeDevice.revoked_at: now})
            .where(
                (CodeDevice.id == device_id)
                & (CodeDevice.citizen_id == citizen_id)
                & CodeDevice.revoked_at.is_null()
            )
            .returning(CodeDevice.id)
        )
        return bool(rows)

    async def revoke_all_devices(self, citizen_id: uuid.UUID, *, now: datetime) -> int:
        """Revoke every live device of the citizen; how many there were."""
        rows = await (
            CodeDevice.update({CodeDevice.revoked_at: now})
            .where((CodeDevice.citizen_id == citizen_id) & CodeDevice.revoked_at.is_null())
            .returning(CodeDevice.id)
        )
        return len(rows)

    async def owns_device(self, citizen_id: uuid.UUID, device_id: uuid.UUID) -> bool:
        return await CodeDevice.exists().where(
            (CodeDevice.id == device_id) & (CodeDevice.citizen_id == citizen_id)
        )


class RevocationRow(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    code_id: str
    revoked_at: int


class RevocationRepository(Repository):
    async def add(self, code_id: str, *, revoked_at: int, reason: str) -> int:
        """Append an entry dated ``revoked_at`` or, when ``code_id`` already has one that late, one
        second after its newest; returns the date written. Call inside a write transaction: the lock
        makes ids commit in order and the dates of one code id strictly increase.

        Strictly increasing, because times are whole seconds and a credential dated exactly at an
        entry passes it: two status changes dated alike (restrict, lift, restrict within a second)
        would leave what was issued between them valid under the last one (issue 21, row 10).
        """
        await serialise(self._engine, "revocations")
        latest = await self.latest(code_id)
        if latest is not None and latest >= revoked_at:
            revoked_at = latest + 1
        await CodeRevocation.insert(CodeRevocation(code_id=code_id, revoked_at=revoked_at, reason=reason))
        return revoked_at

    async def latest(self, code_id: str) -> int | None:
        """The newest ``revoked_at`` of ``code_id``, or None."""
        row = (
            await CodeRevocation.select(CodeRevocation.revoked_at)
            .where(CodeRevocation.code_id == code_id)
            .order_by(CodeRevocation.revoked_at, ascending=False)
            .first()
        )
        return None if row is None else int(row["revoked_at"])

    async def after(self, cursor: int, *, not_before: int, limit: int) -> list[RevocationRow]:
        rows = (
            await CodeRevocation.select(CodeRevocation.id, CodeRevocation.code_id, CodeRevocation.revoked_at)
            .where((CodeRevocation.id > cursor) & (CodeRevocation.revoked_at >= not_before))
            .order_by(CodeRevocation.id)
            .limit(limit)
        )
        return [RevocationRow(**row) for row in rows]


class NewScan(msgspec.Struct, frozen=True, kw_only=True):
    device_id: uuid.UUID
    scene: str
    venue: str
    code_hash: str
    code_id: str | None
    replay_key: str | None
    credential: str | None
    reason: str
    scanned_at: datetime
    uploaded_at: datetime


class ScanRow(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    device_id: uuid.UUID
    scene: str
    venue: str
    code_id: str | None
    replay_key: str | None
    credential: str | None
    scanned_at: datetime


_SCAN_COLUMNS = (
    CodeScan.id,
    CodeScan.device_id,
    CodeScan.scene,
    CodeScan.venue,
    CodeScan.code_id,
    CodeScan.replay_key,
    CodeScan.credential,
    CodeScan.scanned_at,
)


def _scan(raw: dict[str, Any]) -> ScanRow:
    return ScanRow(**{**raw, "scanned_at": as_utc(raw["scanned_at"])})


class ScanRepository(Repository):
    async def add_new(self, scans: Sequence[NewScan]) -> list[ScanRow]:
        """Insert the scans this device has not uploaded before; returns the inserted ones.

        Serialised with other uploads, so two devices uploading the same frame at once still see
        each other's row when they look for clones.
        """
        await serialise(self._engine, "scans")
        if not scans:
            return []
        rows = await (
            CodeScan.insert(*(CodeScan(**msgspec.structs.asdict(scan)) for scan in scans))
            .on_conflict(target=(CodeScan.device_id, CodeScan.code_hash), action="DO NOTHING")
            .returning(*_SCAN_COLUMNS)
        )
        return [_scan(raw) for raw in rows]

    async def same_frame(self, replay_keys: Sequence[str], *, exclude: Sequence[int]) -> list[ScanRow]:
        if not replay_keys:
            return []
        rows = await CodeScan.select(*_SCAN_COLUMNS).where(
            CodeScan.replay_key.is_in(list(replay_keys)) & CodeScan.id.not_in(list(exclude))
        )
        return [_scan(raw) for raw in rows]

    async def same_credential(
        self, credentials: Sequence[str], *, since: datetime, until: datetime, exclude: Sequence[int]
    ) -> list[ScanRow]:
        if not credentials:
            return []
        rows = await CodeScan.select(*_SCAN_COLUMNS).where(
            CodeScan.credential.is_in(list(credentials))
            & (CodeScan.scanned_at >= since)
            & (CodeScan.scanned_at <= until)
            & CodeScan.id.not_in(list(exclude))
        )
        return [_scan(raw) for raw in rows]

    async def flags(self, *, limit: int) -> list[tuple[int, str, str, datetime, ScanRow, ScanRow]]:
        """The latest flags, newest first: ``(id, kind, code_id, flagged_at, scan, other_scan)``."""
        rows = await CodeScanFlag.select().order_by(CodeScanFlag.id, ascending=False).limit(limit)
        ids = {raw["scan_id"] for raw in rows} | {raw["other_scan_id"] for raw in rows}
        scans = (
            {
                raw["id"]: _scan(raw)
                for raw in await CodeScan.select(*_SCAN_COLUMNS).where(CodeScan.id.is_in(list(ids)))
            }
            if ids
            else {}
        )
        return [
            (
                raw["id"],
                raw["kind"],
                raw["code_id"],
                as_utc(raw["created_at"]),
                scans[raw["scan_id"]],
                scans[raw["other_scan_id"]],
            )
            for raw in rows
            if raw["scan_id"] in scans and raw["other_scan_id"] in scans
        ]

    async def add_flags(self, flags: Sequence[tuple[str, str, int, int]], *, now: datetime) -> None:
        """``(kind, code_id, scan_id, other_scan_id)`` rows."""
        if flags:
            await CodeScanFlag.insert(
                *(
                    CodeScanFlag(
                        kind=kind, code_id=code_id, scan_id=scan, other_scan_id=other, created_at=now
                    )
                    for kind, code_id, scan, other in flags
                )
            )
