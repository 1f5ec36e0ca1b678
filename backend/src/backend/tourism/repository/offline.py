"""Offline gates: a spot's day of tickets in change order (the gates' feed), offline entries applied
by one conditional UPDATE each, and the record of every uploaded scan (duplicates flagged)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import msgspec

from backend.clock import as_utc, as_utc_or_none
from backend.database import Repository
from backend.tourism.model import FeedState, GateOutcome, Ticket
from backend.tourism.repository.sales import ticket_of
from backend.tourism.tables import TourismGateScan, TourismTicket

# What a gate needs of a ticket: never who holds it (the visitor shows their ID card at the gate).
_FEED = (
    TourismTicket.id,
    TourismTicket.code_id,
    TourismTicket.state,
    TourismTicket.kind,
    TourismTicket.valid_from,
    TourismTicket.valid_until,
    TourismTicket.changed_at,
)


class FeedRow(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    code_id: str
    state: FeedState
    kind: str
    valid_from: datetime
    valid_until: datetime
    changed_at: datetime


class GateScan(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    spot_id: uuid.UUID
    day: str
    gate: str
    code_id: str
    ticket_id: uuid.UUID | None
    scanned_at: datetime
    uploaded_at: datetime
    outcome: GateOutcome
    first_gate: str
    first_at: datetime | None


def _uuid(value: object) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


class OfflineRepository(Repository):
    async def feed(
        self,
        spot_id: uuid.UUID,
        day: str,
        *,
        after: tuple[datetime, uuid.UUID] | None,
        settled: datetime,
        limit: int,
    ) -> list[FeedRow]:
        """The day's tickets a gate cares about (not mere holds), changed after ``after`` and no later
        than ``settled``, in ``(changed_at, id)`` order."""
        where = (
            (TourismTicket.spot_id == spot_id)
            & (TourismTicket.day == day)
            & (TourismTicket.state.is_in(["valid", "redeemed", "void"]))
            & (TourismTicket.changed_at <= settled)
        )
        if after is not None:
            at, last = after
            where &= (TourismTicket.changed_at > at) | (
                (TourismTicket.changed_at == at) & (TourismTicket.id > last)
            )
        rows = (
            await TourismTicket.select(*_FEED)
            .where(where)
            .order_by(TourismTicket.changed_at, TourismTicket.id)
            .limit(limit)
        )
        return [
            FeedRow(
                id=_uuid(row["id"]),
                code_id=row["code_id"],
                state=row["state"],
                kind=row["kind"],
                valid_from=as_utc(row["valid_from"]),
                valid_until=as_utc(row["valid_until"]),
                changed_at=as_utc(row["changed_at"]),
            )
            for row in rows
        ]

    async def redeem_at(
        self, code_id: str, *, spot_id: uuid.UUID, gate: str, scanned_at: datetime, now: datetime
    ) -> Ticket | None:
        """An entry an offline gate made at ``scanned_at``: the ticket is redeemed then if it was
        valid for this spot at that moment and nobody let it in meanwhile — one conditional UPDATE."""
        rows = await TourismTicket.raw(
            "UPDATE tourism_ticket SET state = 'redeemed', redeemed_at = {}, gate = {}, changed_at = {} "
            "WHERE code_id = {} AND state = 'valid' AND spot_id = {} AND valid_from <= {} "
            "AND valid_until > {} RETURNING *",
            scanned_at,
            gate,
            now,
            code_id,
            spot_id,
            scanned_at,
            scanned_at,
        )
        return ticket_of(rows[0]) if rows else None

    async def record(self, scan: GateScan) -> GateScan:
        """Keep an uploaded scan once: a re-sent one finds the first record, which it returns."""
        await TourismGateScan.insert(TourismGateScan(**msgspec.structs.asdict(scan))).on_conflict(
            action="DO NOTHING"
        )
        row = (
            await TourismGateScan.select(*TourismGateScan.all_columns())
            .where(
                (TourismGateScan.gate == scan.gate)
                & (TourismGateScan.code_id == scan.code_id)
                & (TourismGateScan.scanned_at == scan.scanned_at)
            )
            .first()
        )
        return scan if row is None else _scan(row)

    async def flags(self, spot_id: uuid.UUID, day: str, *, limit: int) -> list[GateScan]:
        """The day's entries of a ticket already in through another gate or at another moment."""
        rows = (
            await TourismGateScan.select(*TourismGateScan.all_columns())
            .where(
                (TourismGateScan.spot_id == spot_id)
                & (TourismGateScan.day == day)
                & (TourismGateScan.outcome == "duplicate")
            )
            .order_by(TourismGateScan.scanned_at)
            .limit(limit)
        )
        return [_scan(row) for row in rows]


def _scan(row: dict[str, Any]) -> GateScan:
    return GateScan(
        id=_uuid(row["id"]),
        spot_id=_uuid(row["spot_id"]),
        day=str(row["day"]),
        gate=str(row["gate"]),
        code_id=str(row["code_id"]),
        ticket_id=None if row["ticket_id"] is None else _uuid(row["ticket_id"]),
        scanned_at=as_utc(row["scanned_at"]),
        uploaded_at=as_utc(row["uploaded_at"]),
        outcome=row["outcome"],
        first_gate=str(row["first_gate"]),
        first_at=as_utc_or_none(row["first_at"]),
    )
