from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import msgspec
from piccolo.engine.sqlite import SQLiteEngine

from backend.clock import as_utc
from backend.database import Repository, transaction
from backend.tourism.model import Product, Slot, Spot, shard_capacities
from backend.tourism.repository.statement import Statement
from backend.tourism.tables import (
    TourismProduct,
    TourismSlot,
    TourismSpot,
    TourismStock,
    TourismVisitor,
)

_SPOT = (
    TourismSpot.id,
    TourismSpot.slug,
    TourismSpot.name,
    TourismSpot.address,
    TourismSpot.description,
    TourismSpot.opens,
    TourismSpot.closes,
    TourismSpot.slot_minutes,
    TourismSpot.daily_capacity,
    TourismSpot.shards,
    TourismSpot.created_at,
)
_PRODUCT = (
    TourismProduct.id,
    TourismProduct.spot_id,
    TourismProduct.kind,
    TourismProduct.name,
    TourismProduct.price_fen,
)
_SLOT = (
    TourismSlot.id,
    TourismSlot.spot_id,
    TourismSlot.day,
    TourismSlot.starts_at,
    TourismSlot.ends_at,
    TourismSlot.capacity,
)


@functools.lru_cache(maxsize=16)
def _visitor_keys(count: int) -> Statement:
    """The hold's visitor read on PostgreSQL, for ``count`` visitors: ``id IN (...)`` as before (one
    id plans as the primary key's lookup whatever the citizen's number of visitors)."""
    marks = ", ".join(f"{{v{i}}}" for i in range(count))
    return Statement(
        "SELECT id, id_index, id_number_sealed FROM tourism_visitor "  # noqa: S608 (placeholders only)
        f"WHERE citizen_id = {{citizen}} AND id IN ({marks})"
    )


class _Taken(Exception):
    """A stock row had more places held and sold than its new capacity: undo the change."""


class VisitorRow(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    citizen_id: uuid.UUID
    name_sealed: str
    id_number_sealed: str
    id_index: str
    is_self: bool
    created_at: datetime


def _as_uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _spot(raw: dict[str, Any]) -> Spot:
    return Spot(**{**raw, "created_at": as_utc(raw["created_at"])})


def _slot(raw: dict[str, Any]) -> Slot:
    return Slot(**{**raw, "starts_at": as_utc(raw["starts_at"]), "ends_at": as_utc(raw["ends_at"])})


def _visitor(raw: dict[str, Any]) -> VisitorRow:
    return VisitorRow(**{**raw, "created_at": as_utc(raw["created_at"])})


class CatalogueRepository(Repository):
    async def add_spot(self, spot: Spot, products: Sequence[Product]) -> None:
        """Raises a unique violation when the slug is taken."""
        await TourismSpot.insert(TourismSpot(**msgspec.structs.asdict(spot)))
        if products:
            await TourismProduct.insert(*(TourismProduct(**msgspec.structs.asdict(p)) for p in products))

    async def spots(self) -> list[Spot]:
        return [_spot(raw) for raw in await TourismSpot.select(*_SPOT).order_by(TourismSpot.slug)]

    async def find_spot(self, spot_id: uuid.UUID) -> Spot | None:
        raw = await TourismSpot.select(*_SPOT).where(TourismSpot.id == spot_id).first()
        return None if raw is None else _spot(raw)

    async def find_spot_by_slug(self, slug: str) -> Spot | None:
        raw = await TourismSpot.select(*_SPOT).where(TourismSpot.slug == slug).first()
        return None if raw is None else _spot(raw)

    async def products(self, spot_id: uuid.UUID) -> list[Product]:
        rows = await TourismProduct.select(*_PRODUCT).where(TourismProduct.spot_id == spot_id)
        return [Product(**raw) for raw in rows]

    async def add_slots(self, slots: Sequence[Slot], shares: Sequence[Sequence[int]]) -> int:
        """Insert the slots not there yet (unique per spot and start) with their stock rows (one
        per shard); how many slots were new. Stock rows of an existing slot are left as they are."""
        added = 0
        for slot, share in zip(slots, shares, strict=True):
            rows = await TourismSlot.raw(
                "INSERT INTO tourism_slot (id, spot_id, day, starts_at, ends_at, capacity) "
                "VALUES ({}, {}, {}, {}, {}, {}) ON CONFLICT (spot_id, starts_at) DO NOTHING RETURNING id",
                slot.id,
                slot.spot_id,
                slot.day,
                slot.starts_at,
                slot.ends_at,
                slot.capacity,
            )
            if not rows:
                continue
            added += 1
            await TourismStock.insert(
                *(
                    TourismStock(id=uuid.uuid4(), slot_id=slot.id, shard=i, capacity=c, held=0, sold=0)
                    for i, c in enumerate(share)
                )
            )
        return added

    async def has_slots(self, spot_id: uuid.UUID, day: str) -> bool:
        return bool(
            await TourismSlot.exists().where((TourismSlot.spot_id == spot_id) & (TourismSlot.day == day))
        )

    async def find_slot(self, slot_id: uuid.UUID) -> Slot | None:
        raw = await TourismSlot.select(*_SLOT).where(TourismSlot.id == slot_id).first()
        return None if raw is None else _slot(raw)

    async def availability(self, spot_id: uuid.UUID, day: str) -> list[tuple[Slot, int]]:
        """The day's slots and the places left on each (summed over its stock rows): one query."""
        rows = await TourismSlot.raw(
            "SELECT s.id, s.spot_id, s.day, s.starts_at, s.ends_at, s.capacity, "
            "COALESCE(SUM(k.capacity - k.held - k.sold), 0) AS available "
            "FROM tourism_slot s LEFT JOIN tourism_stock k ON k.slot_id = s.id "
            "WHERE s.spot_id = {} AND s.day = {} "
            "GROUP BY s.id, s.spot_id, s.day, s.starts_at, s.ends_at, s.capacity ORDER BY s.starts_at",
            spot_id,
            day,
        )
        return [
            (_slot({k: v for k, v in raw.items() if k != "available"}), int(raw["available"])) for raw in rows
        ]

    async def left(self, slot_id: uuid.UUID) -> int:
        rows = await TourismStock.raw(
            "SELECT COALESCE(SUM(capacity - held - sold), 0) AS left FROM tourism_stock WHERE slot_id = {}",
            slot_id,
        )
        return int(rows[0]["left"])

    async def counters(self, slot_id: uuid.UUID) -> tuple[int, int, int]:
        """(capacity, held, sold) summed over the slot's stock rows."""
        rows = await TourismStock.raw(
            "SELECT COALESCE(SUM(capacity), 0) AS c, COALESCE(SUM(held), 0) AS h, "
            "COALESCE(SUM(sold), 0) AS s FROM tourism_stock WHERE slot_id = {}",
            slot_id,
        )
        return int(rows[0]["c"]), int(rows[0]["h"]), int(rows[0]["s"])

    async def set_capacity(self, slot_id: uuid.UUID, capacity: int) -> bool:
        """Share ``capacity`` over the slot's stock rows, each keeping what it has held and sold and
        an even share of the rest; False (nothing changed) when they hold and sell more than that.

        The rows are locked (``FOR UPDATE``; SQLite's one writer) and each is written by a conditional
        UPDATE (``held + sold <= new capacity``, which the rows' CHECK backs too), so no hold or sale
        can be left above its row's capacity; a row refusing undoes the whole change."""
        lock = "" if isinstance(self._engine, SQLiteEngine) else " FOR UPDATE"
        try:
            async with transaction(self._engine):
                rows = await TourismStock.raw(
                    "SELECT id, held + sold AS taken FROM tourism_stock "  # noqa: S608 (a constant)
                    f"WHERE slot_id = {{}} ORDER BY shard{lock}",
                    slot_id,
                )
                taken = [int(row["taken"]) for row in rows]
                if not rows or sum(taken) > capacity:
                    return False
                free = shard_capacities(capacity - sum(taken), len(rows))
                for row, used, room in zip(rows, taken, free, strict=True):
                    written = await TourismStock.raw(
                        "UPDATE tourism_stock SET capacity = {} "
                        "WHERE id = {} AND held + sold <= {} RETURNING id",
                        used + room,
                        row["id"],
                        used + room,
                    )
                    if not written:
                        raise _Taken()
                await TourismSlot.update({TourismSlot.capacity: capacity}).where(TourismSlot.id == slot_id)
        except _Taken:
            return False
        return True

    async def add_visitor(self, row: VisitorRow) -> None:
        """Raises a unique violation when the citizen has added this ID number already."""
        await TourismVisitor.insert(TourismVisitor(**msgspec.structs.asdict(row)))

    async def visitors(self, citizen_id: uuid.UUID) -> list[VisitorRow]:
        rows = await (
            TourismVisitor.select(*TourismVisitor.all_columns())
            .where(TourismVisitor.citizen_id == citizen_id)
            .order_by(TourismVisitor.created_at)
        )
        return [_visitor(raw) for raw in rows]

    async def find_visitors(self, citizen_id: uuid.UUID, ids: Sequence[uuid.UUID]) -> list[VisitorRow]:
        rows = await TourismVisitor.select(*TourismVisitor.all_columns()).where(
            (TourismVisitor.citizen_id == citizen_id) & TourismVisitor.id.is_in(list(ids))
        )
        return [_visitor(raw) for raw in rows]

    async def visitor_keys(
        self, citizen_id: uuid.UUID, ids: Sequence[uuid.UUID]
    ) -> list[tuple[uuid.UUID, str, str]]:
        """(id, blind index, sealed ID number) of the citizen's visitors among ``ids``: the hold's
        one read, as plain SQL (piccolo's select builder cost a third of a hold's CPU), compiled
        once on PostgreSQL (``statement.py``)."""
        if not isinstance(self._engine, SQLiteEngine):
            values = {"citizen": citizen_id, **{f"v{i}": v for i, v in enumerate(ids)}}
            found = await _visitor_keys(len(ids)).fetch(self._engine, values)
            return [(r["id"], r["id_index"], r["id_number_sealed"]) for r in found]
        marks = ", ".join("{}" for _ in ids)
        rows = await TourismVisitor.raw(
            "SELECT id, id_index, id_number_sealed FROM tourism_visitor "  # noqa: S608 (placeholders only)
            f"WHERE citizen_id = {{}} AND id IN ({marks})",
            citizen_id,
            *ids,
        )
        return [(_as_uuid(r["id"]), str(r["id_index"]), str(r["id_number_sealed"])) for r in rows]

    async def remove_visitor(self, citizen_id: uuid.UUID, visitor_id: uuid.UUID) -> bool:
        rows = await TourismVisitor.raw(
            "DELETE FROM tourism_visitor WHERE id = {} AND citizen_id = {} RETURNING id",
            visitor_id,
            citizen_id,
        )
        return bool(rows)
