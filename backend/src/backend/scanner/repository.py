from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import msgspec

from backend.clock import as_utc, as_utc_or_none
from backend.database import Repository
from backend.scanner.scenes import Scene
from backend.scanner.tables import ScannerDevice


class DeviceRow(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    scene: Scene
    venue: str
    credential_hash: str
    registered_by: uuid.UUID
    created_at: datetime
    revoked_at: datetime | None
    revoked_by: uuid.UUID | None


_COLUMNS = (
    ScannerDevice.id,
    ScannerDevice.scene,
    ScannerDevice.venue,
    ScannerDevice.credential_hash,
    ScannerDevice.registered_by,
    ScannerDevice.created_at,
    ScannerDevice.revoked_at,
    ScannerDevice.revoked_by,
)


def _row(raw: dict[str, Any]) -> DeviceRow:
    return DeviceRow(
        **{**raw, "created_at": as_utc(raw["created_at"]), "revoked_at": as_utc_or_none(raw["revoked_at"])}
    )


class ScannerRepository(Repository):
    async def create(
        self, *, scene: Scene, venue: str, credential_hash: str, registered_by: uuid.UUID, now: datetime
    ) -> DeviceRow:
        row = DeviceRow(
            id=uuid.uuid4(),
            scene=scene,
            venue=venue,
            credential_hash=credential_hash,
            registered_by=registered_by,
            created_at=now,
            revoked_at=None,
            revoked_by=None,
        )
        await ScannerDevice.insert(ScannerDevice(**msgspec.structs.asdict(row)))
        return row

    async def find(self, device_id: uuid.UUID) -> DeviceRow | None:
        raw = await ScannerDevice.select(*_COLUMNS).where(ScannerDevice.id == device_id).first()
        return None if raw is None else _row(raw)

    async def list(
        self, *, after: tuple[datetime, uuid.UUID] | None, limit: int, include_revoked: bool
    ) -> list[DeviceRow]:
        """Oldest first, keyset-paginated on ``(created_at, id)``."""
        query = (
            ScannerDevice.select(*_COLUMNS).order_by(ScannerDevice.created_at, ScannerDevice.id).limit(limit)
        )
        if not include_revoked:
            query = query.where(ScannerDevice.revoked_at.is_null())
        if after is not None:
            created_at, device_id = after
            query = query.where(
                (ScannerDevice.created_at > created_at)
                | ((ScannerDevice.created_at == created_at) & (ScannerDevice.id > device_id))
            )
        return [_row(raw) for raw in await query]

    async def revoke(self, device_id: uuid.UUID, *, by: uuid.UUID, now: datetime) -> bool:
        """Revoke a live device; False when it is unknown or already revoked."""
        rows = await (
            ScannerDevice.update({ScannerDevice.revoked_at: now, ScannerDevice.revoked_by: by})
            .where((ScannerDevice.id == device_id) & ScannerDevice.revoked_at.is_null())
            .returning(ScannerDevice.id)
        )
        return bool(rows)
