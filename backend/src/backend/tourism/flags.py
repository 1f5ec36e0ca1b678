"""The sold-out flag of a full slot: Redis turns losers away before they reach the database, never
decides. A missing or stale flag costs a query; Redis down costs nothing but speed.

Each worker also keeps what it last learnt of a flag for ``MIRROR_TTL`` (``known_sold_out``): the hold
route's early answer (``controller/early.py``) turns a flash sale's losers away from that copy before
routing. The copy is no more than a flag seen in Redis (or set here) within the last half second, and
never outlives the slot: when places come back, this worker forgets at once and the others within
``MIRROR_TTL`` — well inside the ten seconds issue 15 gives an expired hold's places to return.
"""

from __future__ import annotations

import contextlib
import logging
import time
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
# How long a worker trusts its copy of a flag without asking Redis again (the other workers' delay in
# seeing places come back); and how many slots' copies it keeps (a flash sale is a handful of slots).
MIRROR_TTL = 0.5
MIRROR_SIZE = 10_000


def flag_key(slot_id: uuid.UUID) -> str:
    return f"tourism:sold_out:{slot_id}"


def _lasts(flag: bytes) -> float:
    """Seconds left of a flag whose value is its end; a flag of another shape lasts ``MIRROR_TTL``."""
    try:
        return float(flag) - time.time()
    except ValueError:
        return MIRROR_TTL


class SoldOutFlags:
    def __init__(self, store: KeyValueStore, sales: SalesRepository) -> None:
        self._store = store
        self._sales = sales
        # slot -> the monotonic time until which this worker takes the slot for sold out.
        self._mirror: dict[uuid.UUID, float] = {}
        self._latest = 0.0  # the latest of the copies' ends
        self.monotonic = time.monotonic

    def any_known(self) -> bool:
        """Does this worker take any slot for sold out now? (Once every copy lapsed, none is read.)"""
        if not self._mirror:
            return False
        if self.monotonic() < self._latest:
            return True
        self._mirror.clear()
        return False

    def known_sold_out(self, slot_id: uuid.UUID) -> bool:
        """Did this worker see the slot's flag within ``MIRROR_TTL``? (No store call.)"""
        until = self._mirror.get(slot_id)
        if until is None:
            return False
        if self.monotonic() < until:
            return True
        self._mirror.pop(slot_id, None)
        return False

    def mirror(self, slot_id: uuid.UUID, *, closes_in: float, ttl: float = MIRROR_TTL) -> None:
        """Remember the slot's flag, seen or set now, for ``ttl`` but never past the slot's end
        (``closes_in`` seconds: after it the route answers ``slot_closed``) nor the flag's own life."""
        lasts = min(ttl, MIRROR_TTL, closes_in)
        if lasts <= 0:
            return
        if len(self._mirror) >= MIRROR_SIZE:
            now = self.monotonic()
            self._mirror = {slot: until for slot, until in self._mirror.items() if until > now}
            if len(self._mirror) >= MIRROR_SIZE:
                return
        until = self.monotonic() + lasts
        self._mirror[slot_id] = until
        self._latest = max(self._latest, until)

    async def look(self, slot_id: uuid.UUID) -> tuple[float | None, bool]:
        """For how many more seconds is the slot flagged sold out (None: it isn't), and does its sale
        queue buyers (``admission``): one round trip. Redis down: neither — the database decides,
        only slower."""
        try:
            flag, rule = await self._store.get_many([flag_key(slot_id), rule_key(slot_id)])
        except StoreUnavailable:
            return None, False
        return (None if flag is None else _lasts(flag)), rule is not None

    async def set(self, slot_id: uuid.UUID, now: datetime, *, ends_at: datetime) -> None:
        # Never past the slot's next hold expiry: the buyer after it reclaims that place at once.
        ttl = SOLD_OUT_TTL
        expires = await self._sales.next_expiry(slot_id)
        if expires is not None:
            ttl = min(ttl, (expires - now).total_seconds())
        if ttl <= 0:
            return
        # The flag carries its own end (epoch seconds), so a worker's copy never outlives it.
        with contextlib.suppress(StoreUnavailable):
            await self._store.set(flag_key(slot_id), str(time.time() + ttl).encode(), ttl=ttl)
        self.mirror(slot_id, closes_in=(ends_at - now).total_seconds(), ttl=ttl)
        # Places that came back between the count and the flag (a cancel, a refund, the sweep) had
        # nothing to clear yet: look once more, or the flag would stand over them until it lapses.
        if any((await self._sales.left(slot_id)).values()):
            await self.clear([slot_id])

    async def clear(self, slots: Iterable[uuid.UUID]) -> None:
        slots = list(slots)
        for slot in slots:
            self._mirror.pop(slot, None)
        keys = [flag_key(s) for s in slots]
        if not keys:
            return
        try:
            await self._store.delete(*keys)
        except StoreUnavailable:
            log.warning("tourism: sold-out flags not cleared (store down); they lapse in %s s", SOLD_OUT_TTL)
