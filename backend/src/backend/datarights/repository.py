"""The data-rights feature's queries: exports and closures. Each state move is one conditional
UPDATE, so two workers (or two taps) never both build, hand out or close the same thing."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from backend.database import Repository
from backend.datarights.tables import DataClosure, DataExport


@dataclass(frozen=True, slots=True)
class ExportRow:
    id: uuid.UUID
    citizen_id: uuid.UUID
    state: str
    size: int
    requested_at: datetime
    ready_at: datetime | None
    expires_at: datetime | None
    downloaded_at: datetime | None


@dataclass(frozen=True, slots=True)
class ClosureRow:
    citizen_id: uuid.UUID
    requested_at: datetime
    done_at: datetime | None


_EXPORT = (
    DataExport.id,
    DataExport.citizen_id,
    DataExport.state,
    DataExport.size,
    DataExport.requested_at,
    DataExport.ready_at,
    DataExport.expires_at,
    DataExport.downloaded_at,
)


def _export(raw: dict[str, Any]) -> ExportRow:
    return ExportRow(**{column._meta.name: raw[column._meta.name] for column in _EXPORT})


class DataRightsRepository(Repository):
    async def add_export(self, export_id: uuid.UUID, citizen_id: uuid.UUID, *, now: datetime) -> ExportRow:
        await DataExport.insert(
            DataExport(id=export_id, citizen_id=citizen_id, state="pending", requested_at=now)
        )
        found = await self.find_export(export_id)
        assert found is not None
        return found

    async def find_export(self, export_id: uuid.UUID) -> ExportRow | None:
        raw = await DataExport.select(*_EXPORT).where(DataExport.id == export_id).first()
        return None if raw is None else _export(raw)

    async def exports(self, citizen_id: uuid.UUID) -> list[ExportRow]:
        rows = (
            await DataExport.select(*_EXPORT)
            .where(DataExport.citizen_id == citizen_id)
            .order_by(DataExport.requested_at, ascending=False)
            .limit(20)
        )
        return [_export(raw) for raw in rows]

    async def pending_export(self, citizen_id: uuid.UUID) -> ExportRow | None:
        raw = (
            await DataExport.select(*_EXPORT)
            .where((DataExport.citizen_id == citizen_id) & (DataExport.state == "pending"))
            .first()
        )
        return None if raw is None else _export(raw)

    async def fill_export(
        self, export_id: uuid.UUID, *, content: str, size: int, now: datetime, expires_at: datetime
    ) -> bool:
        """pending → ready; False when it was not pending (built already)."""
        rows = await DataExport.raw(
            "UPDATE datarights_export SET state = 'ready', content = {}, size = {}, ready_at = {}, "
            "expires_at = {} WHERE id = {} AND state = 'pending' RETURNING id",
            content,
            size,
            now,
            expires_at,
            export_id,
        )
        return bool(rows)

    async def take_export(self, export_id: uuid.UUID, citizen_id: uuid.UUID, *, now: datetime) -> str | None:
        """ready and unexpired → downloaded, emptied; the sealed content, or None (taken, expired)."""
        rows = await DataExport.raw(
            "UPDATE datarights_export SET state = 'downloaded', downloaded_at = {} "
            "WHERE id = {} AND citizen_id = {} AND state = 'ready' AND expires_at > {} RETURNING content",
            now,
            export_id,
            citizen_id,
            now,
        )
        if not rows:
            return None
        await DataExport.update({DataExport.content: ""}).where(DataExport.id == export_id)
        return str(rows[0]["content"])

    async def expire_exports(self, *, now: datetime) -> int:
        rows = await DataExport.raw(
            "UPDATE datarights_export SET state = 'expired', content = '' "
            "WHERE state = 'ready' AND expires_at <= {} RETURNING id",
            now,
        )
        return len(rows)

    async def add_closure(self, citizen_id: uuid.UUID, *, now: datetime) -> bool:
        """False when the citizen's closure was asked for before."""
        rows = await DataClosure.raw(
            "INSERT INTO datarights_closure (citizen_id, requested_at, done_at, summary) "
            "VALUES ({}, {}, NULL, {}) ON CONFLICT (citizen_id) DO NOTHING RETURNING citizen_id",
            citizen_id,
            now,
            "{}",
        )
        return bool(rows)

    async def find_closure(self, citizen_id: uuid.UUID) -> ClosureRow | None:
        raw = await DataClosure.select().where(DataClosure.citizen_id == citizen_id).first()
        if raw is None:
            return None
        return ClosureRow(
            citizen_id=raw["citizen_id"], requested_at=raw["requested_at"], done_at=raw["done_at"]
        )

    async def finish_closure(self, citizen_id: uuid.UUID, *, summary: str, now: datetime) -> bool:
        """Record the closure done; False when it was recorded before (a repeated run)."""
        rows = await DataClosure.raw(
            "UPDATE datarights_closure SET done_at = {}, summary = {} "
            "WHERE citizen_id = {} AND done_at IS NULL RETURNING citizen_id",
            now,
            summary,
            citizen_id,
        )
        return bool(rows)
