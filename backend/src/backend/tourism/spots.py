"""Scenic spots, their ticket types and their slots: created by operators (or the seed), slots
materialised ahead by a job and on the first read of a day, availability read in one query. What the
hot paths read (a slot, a spot's products, a gate's spot) is kept ``CONFIG_TTL`` seconds per worker."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import date, timedelta
from typing import Any, TypeVar

from backend.audit.service import AuditLog
from backend.clock import Clock
from backend.database import UniqueViolation
from backend.tourism.errors import CapacityBelowTaken, SlotNotFound, SpotExists, SpotInvalid, SpotNotFound
from backend.tourism.model import (
    BEIJING,
    Availability,
    NewProduct,
    Product,
    Slot,
    Spot,
    shard_capacities,
    slot_windows,
)
from backend.tourism.repository.catalogue import CatalogueRepository

log = logging.getLogger("backend.tourism")

# Seconds a worker keeps what it read for the hot paths (spots and products change rarely; a slot's
# times never do).
CONFIG_TTL = 30.0
# A day's listing of places left is kept this long per worker: holds decide, a count a second old
# only informs (research/bookings.md §e-13). A worker's own holds and releases forget it at once.
AVAILABILITY_TTL = 1.0
T = TypeVar("T")


class SpotService:
    def __init__(
        self,
        *,
        repository: CatalogueRepository,
        audit: AuditLog,
        clock: Clock,
        days_ahead: int,
    ) -> None:
        self._repository = repository
        self._audit = audit
        self._clock = clock
        self._days_ahead = days_ahead
        self._kept: dict[tuple[str, Any], tuple[float, Any]] = {}
        # Set by the feature (``TourismService.places_back``): a slot given more room offers it to its
        # waiting list first, then its sold-out flag goes.
        self.places_back: Callable[[Iterable[uuid.UUID]], Awaitable[None]] | None = None

    async def _keep(self, key: tuple[str, Any], read: Callable[[], Awaitable[T]]) -> T:
        now = self._clock.monotonic()
        kept = self._kept.get(key)
        if kept is None or kept[0] < now:
            if len(self._kept) > 50_000:
                self._kept.clear()
            kept = self._kept[key] = (now + CONFIG_TTL, await read())
        return kept[1]

    async def add_spot(
        self,
        *,
        slug: str,
        name: str,
        address: str,
        description: str,
        opens: int,
        closes: int,
        slot_minutes: int,
        daily_capacity: int,
        shards: int,
        products: Sequence[NewProduct],
        by: str,
    ) -> tuple[Spot, list[Product]]:
        if not 0 <= opens < closes <= 24 * 60 or slot_minutes > closes - opens:
            raise SpotInvalid()
        if len({p.kind for p in products}) != len(products):
            raise SpotInvalid(detail="A spot has at most one ticket type of each kind")
        spot = Spot(
            id=uuid.uuid4(),
            slug=slug,
            name=name,
            address=address,
            description=description,
            opens=opens,
            closes=closes,
            slot_minutes=slot_minutes,
            daily_capacity=daily_capacity,
            shards=shards,
            created_at=self._clock.now(),
        )
        made = [
            Product(id=uuid.uuid4(), spot_id=spot.id, kind=p.kind, name=p.name, price_fen=p.price_fen)
            for p in products
        ]
        with UniqueViolation(raise_as=SpotExists):
            await self._repository.add_spot(spot, made)
        await self._audit.append(
            actor=by,
            action="tourism.spot_added",
            subject=f"tourism_spot:{spot.id}",
            data={"slug": slug, "daily_capacity": daily_capacity, "shards": shards},
            chain="tourism",
        )
        await self.materialise_spot(spot, self.today())
        return spot, made

    def today(self) -> date:
        return self._clock.now().astimezone(BEIJING).date()

    async def spots(self) -> list[Spot]:
        return await self._repository.spots()

    async def spot(self, spot_id: uuid.UUID) -> Spot:
        spot = await self._keep(("spot", spot_id), lambda: self._repository.find_spot(spot_id))
        if spot is None:
            raise SpotNotFound()
        return spot

    async def spot_by_slug(self, slug: str) -> Spot | None:
        return await self._keep(("slug", slug), lambda: self._repository.find_spot_by_slug(slug))

    async def products(self, spot_id: uuid.UUID) -> list[Product]:
        return await self._keep(("products", spot_id), lambda: self._repository.products(spot_id))

    async def slot(self, slot_id: uuid.UUID) -> Slot:
        slot = await self._keep(("slot", slot_id), lambda: self._repository.find_slot(slot_id))
        if slot is None:
            self._kept.pop(("slot", slot_id), None)  # it may be materialised any moment
            raise SlotNotFound()
        return slot

    async def materialise_spot(self, spot: Spot, first: date, days: int | None = None) -> int:
        """Create the spot's slots (and their stock rows) from ``first`` for ``days`` days; what
        exists is left alone, so any number of workers may run this at once."""
        added = 0
        for offset in range(self._days_ahead if days is None else days):
            day = first + timedelta(days=offset)
            if await self._repository.has_slots(spot.id, day.isoformat()):
                continue
            slots = [
                Slot(
                    id=uuid.uuid4(),
                    spot_id=spot.id,
                    day=day.isoformat(),
                    starts_at=starts,
                    ends_at=ends,
                    capacity=capacity,
                )
                for starts, ends, capacity in slot_windows(spot, day)
            ]
            added += await self._repository.add_slots(
                slots, [shard_capacities(s.capacity, spot.shards) for s in slots]
            )
        return added

    async def materialise(self) -> None:
        """A step of the background job: every spot's slots ``days_ahead`` days ahead."""
        today = self.today()
        added = 0
        for spot in await self._repository.spots():
            added += await self.materialise_spot(spot, today)
        if added:
            log.info("tourism: %d slots materialised", added)

    def forget(self, spot_id: uuid.UUID | None = None, day: str | None = None) -> None:
        """Drop the kept listing of ``spot_id``'s ``day`` (every listing when not said)."""
        if spot_id is not None and day is not None:
            self._kept.pop(("availability", (spot_id, day)), None)
            return
        for key in [k for k in self._kept if k[0] == "availability"]:
            self._kept.pop(key, None)

    async def availability(self, spot_id: uuid.UUID, day: date) -> list[Availability]:
        """The day's slots and places left (kept ``AVAILABILITY_TTL``)."""
        key = ("availability", (spot_id, day.isoformat()))
        kept = self._kept.get(key)
        now = self._clock.monotonic()
        if kept is not None and kept[0] >= now:
            return kept[1]  # type: ignore[no-any-return]
        listing = await self._availability(spot_id, day)
        self._kept[key] = (now + AVAILABILITY_TTL, listing)
        return listing

    async def _availability(self, spot_id: uuid.UUID, day: date) -> list[Availability]:
        # A day inside the sale window that has no slots yet (a fresh server, a job that has not
        # run) gets them now.
        spot = await self.spot(spot_id)
        today = self.today()
        rows = await self._repository.availability(spot_id, day.isoformat())
        if not rows and today <= day < today + timedelta(days=self._days_ahead):
            await self.materialise_spot(spot, day, days=1)
            rows = await self._repository.availability(spot_id, day.isoformat())
        return [Availability(slot=slot, available=left) for slot, left in rows]

    async def counters(self, slot_id: uuid.UUID) -> tuple[int, int, int]:
        """(capacity, held, sold) of a slot: for reconciliation and tests."""
        return await self._repository.counters(slot_id)

    async def set_capacity(self, slot_id: uuid.UUID, capacity: int, *, by: str) -> tuple[int, int, int]:
        """Change a slot's quota; its (capacity, held, sold) after. 409 ``capacity_below_taken`` when
        more places are held and sold than ``capacity`` (the database decides, row by row)."""
        slot = await self.slot(slot_id)
        before = await self._repository.counters(slot_id)
        if not await self._repository.set_capacity(slot_id, capacity):
            raise CapacityBelowTaken()
        self._kept.pop(("slot", slot_id), None)
        self.forget(slot.spot_id, slot.day)
        await self._audit.append(
            actor=by,
            action="tourism.capacity_changed",
            subject=f"tourism_slot:{slot_id}",
            data={"spot_id": str(slot.spot_id), "day": slot.day, "from": before[0], "to": capacity},
            chain="tourism",
        )
        if capacity > before[0] and self.places_back is not None:
            await self.places_back([slot_id])
        return await self._repository.counters(slot_id)
