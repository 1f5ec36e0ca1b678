from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from piccolo.columns.combination import WhereRaw

from backend.application.lifecycle import Status
from backend.application.tables import Application, ApplicationEvent, ApplicationMaterial, ApplicationReviewer
from backend.clock import as_utc, as_utc_or_none
from backend.database import Repository, is_unique_violation

A, E, M, R = Application, ApplicationEvent, ApplicationMaterial, ApplicationReviewer


@dataclass(frozen=True, slots=True, kw_only=True)
class ApplicationRow:
    id: uuid.UUID
    citizen_id: uuid.UUID
    item_code: str
    item_version: int
    item_digest: str
    item_name: str
    case_item_code: str
    status: Status
    data: str
    provenance: str
    # 1 while the data holds values a licence lent (auto-fill): such a draft is purged after 72 h.
    prefilled: int
    case_id: str | None
    dept_seen: int
    corrections: int
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None


@dataclass(frozen=True, slots=True, kw_only=True)
class EventRow:
    seq: int
    action: str
    from_status: str
    to_status: str
    actor: str
    source: str
    reason: str
    data: str
    external_id: str | None
    occurred_at: datetime


def _app(row: dict[str, Any]) -> ApplicationRow:
    return ApplicationRow(
        **{
            **row,
            "created_at": as_utc(row["created_at"]),
            "updated_at": as_utc(row["updated_at"]),
            "submitted_at": as_utc_or_none(row["submitted_at"]),
        }
    )


class ApplicationRepository(Repository):
    async def insert(self, row: ApplicationRow) -> None:
        await A.insert(A(**{f: getattr(row, f) for f in row.__dataclass_fields__}))

    async def find(
        self, application_id: uuid.UUID, *, citizen_id: uuid.UUID | None = None
    ) -> ApplicationRow | None:
        query = A.select().where(A.id == application_id)
        if citizen_id is not None:
            query = query.where(A.citizen_id == citizen_id)
        row = await query.first()
        return _app(row) if row else None

    async def find_by_case(self, case_id: str) -> ApplicationRow | None:
        row = await A.select().where(A.case_id == case_id).first()
        return _app(row) if row else None

    async def of_citizen(self, citizen_id: uuid.UUID, *, limit: int) -> list[ApplicationRow]:
        rows = (
            await A.select()
            .where(A.citizen_id == citizen_id)
            .order_by(A.created_at, ascending=False)
            .limit(limit)
        )
        return [_app(r) for r in rows]

    async def in_status(
        self,
        status: Status,
        *,
        items: dict[str, list[int]],
        after: tuple[datetime, uuid.UUID] | None,
        limit: int,
    ) -> list[ApplicationRow]:
        """Submitted applications in ``status`` made against one of ``items`` (code: its versions), the
        longest waiting first (by ``updated_at``: when it got there), from past ``after`` (a page's last
        key)."""
        if not items:
            return []
        of_items: Any = None
        for code, versions in sorted(items.items()):
            one = (A.item_code == code) & A.item_version.is_in(versions)
            of_items = one if of_items is None else of_items | one
        # Only submitted ones: a draft the citizen withdrew is ``withdrawn`` too, and the citizen's alone.
        query = A.select().where((A.status == status) & A.submitted_at.is_not_null() & of_items)
        if after is not None:
            # A row comparison, not ``a > x OR (a = x AND b > y)``: it is a range of the index
            # (status, updated_at, id), read in order, on PostgreSQL and SQLite alike.
            query = query.where(WhereRaw("(updated_at, id) > ({}, {})", *after))
        rows = await query.order_by(A.updated_at, A.id).limit(limit)
        return [_app(r) for r in rows]

    async def move(
        self, application_id: uuid.UUID, *, expected: Status, to: Status, now: datetime, **values: Any
    ) -> bool:
        """Compare-and-set the status: False when it is no longer ``expected`` (someone moved it first)."""
        changes: dict[Any, Any] = {A.status: to, A.updated_at: now}
        changes.update({getattr(A, k): v for k, v in values.items()})
        rows = (
            await A.update(changes).where((A.id == application_id) & (A.status == expected)).returning(A.id)
        )
        return bool(rows)

    async def save_data(
        self,
        application_id: uuid.UUID,
        *,
        editable: frozenset[str],
        data: str,
        provenance: str,
        prefilled: bool,
        now: datetime,
    ) -> bool:
        rows = (
            await A.update(
                {A.data: data, A.provenance: provenance, A.updated_at: now, A.prefilled: int(prefilled)}
            )
            .where((A.id == application_id) & A.status.is_in(list(editable)))
            .returning(A.id)
        )
        return bool(rows)

    async def record_case(self, application_id: uuid.UUID, case_id: str, *, now: datetime) -> bool:
        """Save the department's case number once; False when one is saved already."""
        rows = (
            await A.update({A.case_id: case_id, A.dept_seen: 1, A.updated_at: now})
            .where((A.id == application_id) & A.case_id.is_null())
            .returning(A.id)
        )
        return bool(rows)

    async def advance_seen(self, application_id: uuid.UUID, *, seen: int, to: int) -> bool:
        rows = (
            await A.update({A.dept_seen: to})
            .where((A.id == application_id) & (A.dept_seen == seen))
            .returning(A.id)
        )
        return bool(rows)

    async def append_event(
        self,
        application_id: uuid.UUID,
        *,
        action: str,
        from_status: str,
        to_status: str,
        actor: str,
        source: str,
        reason: str = "",
        data: str = "{}",
        external_id: str | None = None,
        now: datetime,
    ) -> bool:
        """Append at the head; False when ``external_id`` is there already (applied before). Call
        inside the transaction that changed the application row (its lock orders the sequence)."""
        last = (
            await E.select(E.seq)
            .where(E.application_id == application_id)
            .order_by(E.seq, ascending=False)
            .first()
        )
        # ON CONFLICT, not a caught violation: on PostgreSQL a violation would abort the transaction.
        rows = await E.insert(
            E(
                id=uuid.uuid4(), application_id=application_id, seq=(last["seq"] if last else 0) + 1,
                action=action, from_status=from_status, to_status=to_status, actor=actor, source=source,
                reason=reason, data=data, external_id=external_id, occurred_at=now,
            )
        ).on_conflict(action="DO NOTHING").returning(E.id)  # fmt: skip
        return bool(rows)

    async def events(self, application_id: uuid.UUID) -> list[EventRow]:
        rows = await E.select(
            E.seq, E.action, E.from_status, E.to_status, E.actor, E.source, E.reason, E.data, E.external_id,
            E.occurred_at,
        ).where(E.application_id == application_id).order_by(E.seq)  # fmt: skip
        return [EventRow(**{**r, "occurred_at": as_utc(r["occurred_at"])}) for r in rows]

    async def purge_stale_drafts(
        self,
        *,
        before: datetime,
        empty_data: Callable[[uuid.UUID], str],
        empty_provenance: Callable[[uuid.UUID], str],
    ) -> int:
        """Empty the drafts untouched since ``before`` that hold licence data."""
        stale = await A.select(A.id).where(
            (A.status == "draft") & (A.updated_at < before) & (A.prefilled == 1)
        )
        purged = 0
        for row in stale:
            done = (
                await A.update(
                    {A.data: empty_data(row["id"]), A.provenance: empty_provenance(row["id"]), A.prefilled: 0}
                )
                .where((A.id == row["id"]) & (A.status == "draft") & (A.updated_at < before))
                .returning(A.id)
            )
            purged += len(done)
        return purged


@dataclass(frozen=True, slots=True, kw_only=True)
class ReviewerRow:
    id: uuid.UUID
    staff_id: uuid.UUID
    department: str
    created_at: datetime


class ReviewerRepository(Repository):
    async def bind(self, staff_id: uuid.UUID, department: str, *, now: datetime) -> ReviewerRow | None:
        """None when the account is bound to the department already (the unique index decides)."""
        row = ReviewerRow(id=uuid.uuid4(), staff_id=staff_id, department=department, created_at=now)
        try:
            await R.insert(R(id=row.id, staff_id=staff_id, department=department, created_at=now))
        except Exception as exc:
            if is_unique_violation(exc):
                return None
            raise
        return row

    async def unbind(self, binding_id: uuid.UUID) -> ReviewerRow | None:
        rows = await R.delete().where(R.id == binding_id).returning(*R.all_columns())
        return ReviewerRow(**{**rows[0], "created_at": as_utc(rows[0]["created_at"])}) if rows else None

    async def bindings(self, staff_id: uuid.UUID | None = None) -> list[ReviewerRow]:
        query = R.select()
        if staff_id is not None:
            query = query.where(R.staff_id == staff_id)
        rows = await query.order_by(R.created_at).order_by(R.id)
        return [ReviewerRow(**{**r, "created_at": as_utc(r["created_at"])}) for r in rows]

    async def departments_of(self, staff_id: uuid.UUID) -> list[str]:
        rows = await R.select(R.department).where(R.staff_id == staff_id)
        return sorted(r["department"] for r in rows)


@dataclass(frozen=True, slots=True, kw_only=True)
class MaterialRow:
    id: uuid.UUID
    application_id: uuid.UUID
    slot: str
    source: str
    sha256: str
    size: int
    media_type: str
    name: str
    blob: str | None
    licence: str
    created_at: datetime


def _material(row: dict[str, Any]) -> MaterialRow:
    return MaterialRow(**{**row, "created_at": as_utc(row["created_at"])})


class MaterialRepository(Repository):
    async def lock(self, application_id: uuid.UUID, *, statuses: frozenset[str], now: datetime) -> bool:
        """Take the application's row (its lock, on PostgreSQL, until the transaction ends) if its
        status is one of ``statuses``: material changes of one application then run one at a time,
        so a slot's count and a blob's references are read as they are."""
        rows = (
            await A.update({A.updated_at: now})
            .where((A.id == application_id) & A.status.is_in(list(statuses)))
            .returning(A.id)
        )
        return bool(rows)

    async def of_application(self, application_id: uuid.UUID) -> list[MaterialRow]:
        rows = await M.select().where(M.application_id == application_id).order_by(M.created_at)
        return [_material(r) for r in rows]

    async def find(self, material_id: uuid.UUID) -> MaterialRow | None:
        row = await M.select().where(M.id == material_id).first()
        return _material(row) if row else None

    async def find_same(self, application_id: uuid.UUID, slot: str, sha256: str) -> MaterialRow | None:
        row = (
            await M.select()
            .where((M.application_id == application_id) & (M.slot == slot) & (M.sha256 == sha256))
            .first()
        )
        return _material(row) if row else None

    async def count_slot(self, application_id: uuid.UUID, slot: str) -> int:
        return int(await M.count().where((M.application_id == application_id) & (M.slot == slot)))

    async def blob_of(self, application_id: uuid.UUID, sha256: str) -> str | None:
        """The blob another material of the application holds these bytes in, if one does."""
        row = (
            await M.select(M.blob)
            .where((M.application_id == application_id) & (M.sha256 == sha256) & M.blob.is_not_null())
            .first()
        )
        return row["blob"] if row else None

    def _abandoned(self, before: datetime) -> Any:
        # Drafts untouched since ``before``, and applications withdrawn before they were ever sent.
        return ((A.status == "draft") & (A.updated_at < before)) | (
            (A.status == "withdrawn") & A.submitted_at.is_null()
        )

    async def abandoned(self, *, before: datetime, limit: int = 200) -> list[uuid.UUID]:
        """Applications holding materials nobody will send."""
        holders = [r["application_id"] for r in await M.select(M.application_id).distinct().limit(5000)]
        if not holders:
            return []
        rows = await A.select(A.id).where(A.id.is_in(holders) & self._abandoned(before)).limit(limit)
        return [r["id"] for r in rows]

    async def take_abandoned(self, application_id: uuid.UUID, *, before: datetime) -> list[MaterialRow]:
        """Inside a transaction: the application's row (its lock) if it is still abandoned, and then
        all its materials, deleted."""
        still = await (
            A.update({A.updated_at: A.updated_at})
            .where((A.id == application_id) & self._abandoned(before))
            .returning(A.id)
        )
        if not still:
            return []
        rows = await M.delete().where(M.application_id == application_id).returning(*M.all_columns())
        return [_material(r) for r in rows]

    async def blob_referenced(self, blob: str) -> bool:
        return bool(await M.exists().where(M.blob == blob))

    async def insert(self, row: MaterialRow) -> None:
        await M.insert(M(**{f: getattr(row, f) for f in row.__dataclass_fields__}))

    async def delete(self, material_id: uuid.UUID, application_id: uuid.UUID) -> MaterialRow | None:
        rows = (
            await M.delete()
            .where((M.id == material_id) & (M.application_id == application_id))
            .returning(*M.all_columns())
        )
        return _material(rows[0]) if rows else None
