"""The sold-out flag of a full slot: Redis turns losers away before they reach the database, never
decides. A missing or stale flag costs a query; Redis down costs nothing but speed."""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Iterable
from datetime import datetime

from backend.store import KeyValueStore, StoreUnavailable
from backend.tourism.admission import rule_key
from backend.tourism.repository.sales import SalesRepository

log = logging.getLogger("backend.tourism")

# Places coming back (expiry, cancel, refund) delete the flag, and it never outlives the slot's next
# hold expiry; this bound only covers a delete Redis missed. Short bounds cost a stampede: every buyer
# in flight when it lapses goes to the database at once.
SOLD_OUT_TTL = 30.0


def flag_key(slot_id: uuid.UUID) -> str:
    return f"tourism:sold_out:{slot_id}"


class SoldOutFlags:
    def __init__(self, store: KeyValueStore, sales: SalesRepository) -> None:
        self._store = store
        self._sales = sales

    async def look(self, slot_id: uuid.UUID) -> tuple[bool, bool]:
        """Is the slot flagged sold out, and does its sale queue buyers (``admission``): one round trip.
        Redis down: neither — the database decides, only slower."""
        try:
            flag, rule = await self._store.get_many([flag_key(slot_id), rule_key(slot_id)])
        except StoreUnavailable:
            return False, False
        return flag is not None, rule is not None

    async def set(self, slot_id: uuid.UUID, now: datetime) -> None:
        # Never past the slot's next hold expiry: the buyer after it reclaims that place at once.
        ttl = SOLD_OUT_TTL
        expires = await self._sales.next_expiry(slot_id)
        if expires is not None:
            ttl = min(ttl, (expires - now).total_seconds())
        if ttl > 0:
            with contextlib.suppress(StoreUnavailable):
                await self._store.set(flag_key(slot_id), b"1", ttl=ttl)

    async def clear(self, slots: Iterable[uuid.UUID]) -> None:
        keys = [flag_key(s) for s in slots]
        if not keys:
            return
        try:
            await self._store.delete(*keys)
        except StoreUnavailable:
            log.warning("tourism: sold-out flags not cleared (store down); they lapse in %s s", SOLD_OUT_TTL)
