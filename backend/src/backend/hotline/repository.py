"""The only queries of the hotline feature. Every move is a compare-and-set on what was read."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

import msgspec

from backend.clock import as_utc, as_utc_or_none
from backend.database import Repository
from backend.hotline.tables import HotlinePhoto, HotlineReply, HotlineTicket

TicketStatus = Literal["queued", "received", "assigned", "replied", "closed", "refused"]
# At the platform and not closed: what the poll asks about.
OPEN: tuple[TicketStatus, ...] = ("received", "assigned", "replied")


class TicketRow(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    citizen_id: uuid.UUID
    tracking_no: str
    kind: str
    category: str
    title: str  # sealed
    content: str  # sealed
    address: str  # sealed ("" sealed when none given)
    district: str
    latitude: float | None
    longitude: float | None
    contact_phone: str  # sealed
    status: TicketStatus
    ticket_no: str
    refusal: str
    replies_seen: int
    rating: int | None
    rating_comment: str
    rating_state: str
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None


class ReplyRow(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    ticket_id: uuid.UUID
    seq: int
    department: str
    text: str
    at: datetime


class PhotoRow(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    citizen_id: uuid.UUID
    ticket_id: uuid.UUID | None
    sha256: str
    blob: str
    media_type: str
    size: int
    created_at: datetime


def _ticket(raw: dict[str, Any]) -> TicketRow:
    times = {k: as_utc(raw[k]) for k in ("created_at", "updated_at")}
    return msgspec.convert({**raw, **times, "closed_at": as_utc_or_none(raw["closed_at"])}, TicketRow)


class HotlineRepository(Repository):
    async def insert(self, row: TicketRow) -> None:
        await HotlineTicket.insert(HotlineTicket(**msgspec.structs.asdict(row)))

    async def find(self, ticket_id: uuid.UUID) -> TicketRow | None:
        raw = await HotlineTicket.select().where(HotlineTicket.id == ticket_id).first()
        return None if raw is None else _ticket(raw)

    async def owned(self, citizen_id: uuid.UUID, ticket_id: uuid.UUID) -> TicketRow | None:
        raw = (
            await HotlineTicket.select()
            .where((HotlineTicket.id == ticket_id) & (HotlineTicket.citizen_id == citizen_id))
            .first()
        )
        return None if raw is None else _ticket(raw)

    async def of_citizen(
        self, citizen_id: uuid.UUID, *, before: tuple[datetime, uuid.UUID] | None, limit: int
    ) -> list[TicketRow]:
        query = HotlineTicket.select().where(HotlineTicket.citizen_id == citizen_id)
        if before is not None:
            at, last = before
            query = query.where(
                (HotlineTicket.created_at < at)
                | ((HotlineTicket.created_at == at) & (HotlineTicket.id < last))
            )
        rows = await query.order_by(HotlineTicket.created_at, HotlineTicket.id, ascending=False).limit(limit)
        return [_ticket(raw) for raw in rows]

    async def open_tickets(self, *, limit: int) -> list[TicketRow]:
        """Tickets at the platform not closed yet, least recently looked at first."""
        rows = (
            await HotlineTicket.select()
            .where(HotlineTicket.status.is_in(list(OPEN)))
            .order_by(HotlineTicket.updated_at)
            .limit(limit)
        )
        return [_ticket(raw) for raw in rows]

    async def move(
        self, ticket_id: uuid.UUID, *, expected: TicketStatus, now: datetime, **values: Any
    ) -> bool:
        """Set ``values`` (and ``updated_at``) only while the status is still ``expected``."""
        changes: dict[Any, Any] = {HotlineTicket.updated_at: now}
        changes.update({getattr(HotlineTicket, name): value for name, value in values.items()})
        rows = await (
            HotlineTicket.update(changes)
            .where((HotlineTicket.id == ticket_id) & (HotlineTicket.status == expected))
            .returning(HotlineTicket.id)
        )
        return bool(rows)

    async def advance(self, ticket_id: uuid.UUID, *, seen: int, now: datetime, **values: Any) -> bool:
        """Record what the poll found, only if nobody recorded it first (``replies_seen`` unchanged)."""
        changes: dict[Any, Any] = {HotlineTicket.updated_at: now}
        changes.update({getattr(HotlineTicket, name): value for name, value in values.items()})
        rows = await (
            HotlineTicket.update(changes)
            .where((HotlineTicket.id == ticket_id) & (HotlineTicket.replies_seen == seen))
            .returning(HotlineTicket.id)
        )
        return bool(rows)

    async def rate(
        self, citizen_id: uuid.UUID, ticket_id: uuid.UUID, *, score: int, comment: str, now: datetime
    ) -> bool:
        """Closed and not rated → rated, once (the database decides between racing ratings)."""
        rows = await (
            HotlineTicket.update(
                {
                    HotlineTicket.rating: score,
                    HotlineTicket.rating_comment: comment,
                    HotlineTicket.rating_state: "queued",
                    HotlineTicket.updated_at: now,
                }
            )
            .where(
                (HotlineTicket.id == ticket_id)
                & (HotlineTicket.citizen_id == citizen_id)
                & (HotlineTicket.status == "closed")
                & HotlineTicket.rating.is_null()
            )
            .returning(HotlineTicket.id)
        )
        return bool(rows)

    async def rating_delivered(self, ticket_id: uuid.UUID) -> None:
        await HotlineTicket.update({HotlineTicket.rating_state: "delivered"}).where(
            (HotlineTicket.id == ticket_id) & (HotlineTicket.rating_state == "queued")
        )

    async def touch(self, ticket_ids: Sequence[uuid.UUID], *, now: datetime) -> None:
        if ticket_ids:
            await HotlineTicket.update({HotlineTicket.updated_at: now}).where(
                HotlineTicket.id.is_in(list(ticket_ids))
            )

    async def add_reply(self, row: ReplyRow) -> bool:
        rows = await (
            HotlineReply.insert(HotlineReply(**msgspec.structs.asdict(row)))
            .on_conflict(action="DO NOTHING")
            .returning(HotlineReply.id)
        )
        return bool(rows)

    async def replies(self, ticket_id: uuid.UUID) -> list[ReplyRow]:
        rows = (
            await HotlineReply.select().where(HotlineReply.ticket_id == ticket_id).order_by(HotlineReply.seq)
        )
        return [msgspec.convert({**raw, "at": as_utc(raw["at"])}, ReplyRow) for raw in rows]

    async def add_photo(self, row: PhotoRow) -> None:
        await HotlinePhoto.insert(HotlinePhoto(**msgspec.structs.asdict(row)))

    async def take_photos(
        self, citizen_id: uuid.UUID, photo_ids: Sequence[uuid.UUID], ticket_id: uuid.UUID
    ) -> int:
        """The citizen's free photos among ``photo_ids`` now belong to ``ticket_id``; how many."""
        if not photo_ids:
            return 0
        rows = await (
            HotlinePhoto.update({HotlinePhoto.ticket_id: ticket_id})
            .where(
                HotlinePhoto.id.is_in(list(photo_ids))
                & (HotlinePhoto.citizen_id == citizen_id)
                & HotlinePhoto.ticket_id.is_null()
            )
            .returning(HotlinePhoto.id)
        )
        return len(rows)

    async def photos(self, ticket_id: uuid.UUID) -> list[PhotoRow]:
        rows = (
            await HotlinePhoto.select()
            .where(HotlinePhoto.ticket_id == ticket_id)
            .order_by(HotlinePhoto.created_at)
        )
        return [msgspec.convert({**raw, "created_at": as_utc(raw["created_at"])}, PhotoRow) for raw in rows]

    async def drop_unfiled_photos(self, *, before: datetime, limit: int) -> list[PhotoRow]:
        """Photos no ticket took, uploaded before ``before``: deleted, and returned for their blobs.
        Conditional on still being free, so a ticket filed meanwhile keeps its photo."""
        stale = (
            await HotlinePhoto.select(HotlinePhoto.id)
            .where(HotlinePhoto.ticket_id.is_null() & (HotlinePhoto.created_at < before))
            .limit(limit)
        )
        if not stale:
            return []
        rows = await (
            HotlinePhoto.delete()
            .where(HotlinePhoto.id.is_in([r["id"] for r in stale]) & HotlinePhoto.ticket_id.is_null())
            .returning(*HotlinePhoto.all_columns())
        )
        return [msgspec.convert({**raw, "created_at": as_utc(raw["created_at"])}, PhotoRow) for raw in rows]
