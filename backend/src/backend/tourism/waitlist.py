"""The waiting list of a sold-out slot (候补), with a short automatic offer (issue 15.2).

A citizen who finds a slot sold out joins its list with the tickets they want (visitors and ticket
types, checked as a hold checks them). When places come back (a hold expired, was cancelled or
refunded) ``TourismService.places_back`` first offers them, oldest waiter first: a hold is made for
the waiter by the same conditional write as any hold, living ``offer_ttl`` (5 min) unpaid, and the
waiter is told (notice ``tourism.waitlist_offer``). Only then does the slot's sold-out flag go, so
buyers turned away by it do not overtake a waiter. An offer not paid in time expires like any hold and
its places go to the next waiter. A job retries every ``sweep_every`` for slots that have waiters and
room (an offer that failed, a worker that crashed mid-offer).

*Nothing done twice:* the offer's hold id **is** the waiter's id, so two workers offering the same
waiter at once, or one retrying after a crash between making the hold and marking the waiter, make one
hold (the second insert is a primary-key violation); the waiter is marked ``offered`` by a conditional
UPDATE and told once (the notice's key is the waiter). Strictly first come, first served: when the
oldest waiter does not fit in the places back, nobody behind them is offered. A waiter whose offer
cannot be made (a visitor got another ticket that day, or was removed) ``lapsed``.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from piccolo.engine.base import Engine

from backend.clock import Clock
from backend.database import UniqueViolation, transaction
from backend.errors import Invalid
from backend.notification.service import NotificationService
from backend.tourism.errors import (
    AlreadyWaiting,
    IdLimitReached,
    SlotClosed,
    SoldOut,
    WaiterNotFound,
    WaitlistNotNeeded,
)
from backend.tourism.model import TicketRequest, Waiter
from backend.tourism.notices import OFFERED
from backend.tourism.repository.sales import SalesRepository
from backend.tourism.repository.waitlist import WaitlistRepository
from backend.tourism.service import TourismService
from backend.tourism.spots import SpotService

log = logging.getLogger("backend.tourism")

# Waiters looked at per slot and offer round.
_ROUND = 20
_STRIPES = 64  # offering passes that may run at once in one worker (on different slots)


class WaitlistService:
    def __init__(
        self,
        *,
        repository: WaitlistRepository,
        tourism: TourismService,
        spots: SpotService,
        sales: SalesRepository,
        notifications: NotificationService,
        engine: Engine[Any],
        clock: Clock,
        offer_ttl: int,
    ) -> None:
        self._repository = repository
        self._tourism = tourism
        self._spots = spots
        self._sales = sales
        self._notifications = notifications
        self._engine = engine
        self._clock = clock
        self._offer_minutes = max(1, offer_ttl // 60)
        # One offering pass per slot at a time in this worker; a caller arriving during a pass waits
        # for it and then makes its own: a pass that began before places came back (and found none)
        # must not hide them from the caller who gave them back (that caller clears the sold-out flag
        # next, and waiters come first). Striped: a bounded set of locks for any number of slots.
        self._passes = tuple(asyncio.Lock() for _ in range(_STRIPES))

    async def join(
        self, citizen_id: uuid.UUID, slot_id: uuid.UUID, tickets: Sequence[TicketRequest]
    ) -> Waiter:
        slot = await self._spots.slot(slot_id)
        now = self._clock.now()
        if now >= slot.ends_at:
            raise SlotClosed()
        waiter_id = uuid.uuid4()
        await self._tourism.tickets_for(citizen_id, slot, tickets, hold_id=waiter_id, now=now)  # checks
        if sum((await self._sales.left(slot_id)).values()) >= len(tickets):
            raise WaitlistNotNeeded()
        waiter = Waiter(
            id=waiter_id,
            slot_id=slot_id,
            citizen_id=citizen_id,
            tickets=list(tickets),
            qty=len(tickets),
            state="waiting",
            hold_id=None,
            created_at=now,
            offered_at=None,
        )
        with UniqueViolation(raise_as=AlreadyWaiting):
            await self._repository.add(waiter)
        return waiter

    async def mine(self, citizen_id: uuid.UUID) -> list[tuple[Waiter, int | None]]:
        """The citizen's places, newest first, each with how many wait before it (while waiting)."""
        return [
            (w, await self._repository.ahead_of(w) if w.state == "waiting" else None)
            for w in await self._repository.of_citizen(citizen_id)
        ]

    async def get(self, citizen_id: uuid.UUID, waiter_id: uuid.UUID) -> tuple[Waiter, int | None]:
        waiter = await self._repository.find(waiter_id, citizen_id)
        if waiter is None:
            raise WaiterNotFound()
        return waiter, await self._repository.ahead_of(waiter) if waiter.state == "waiting" else None

    async def leave(self, citizen_id: uuid.UUID, waiter_id: uuid.UUID) -> tuple[Waiter, int | None]:
        """Leave the list (an offer already made stays: its hold is cancelled like any other)."""
        await self.get(citizen_id, waiter_id)
        await self._repository.move(waiter_id, to="left", now=self._clock.now())
        return await self.get(citizen_id, waiter_id)

    async def offer(self, slot_ids: Iterable[uuid.UUID]) -> int:
        """Offer places back on ``slot_ids`` to their waiters, oldest first; how many were offered."""
        offered = 0
        for slot_id in await self._repository.waited_for(list(set(slot_ids))):
            async with self._passes[slot_id.int % _STRIPES]:
                try:
                    offered += await self._offer_on(slot_id)
                except Exception:
                    log.exception(
                        "tourism: offering slot %s to its waiting list failed; the job retries", slot_id
                    )
        return offered

    async def retry(self) -> None:
        """A step of the background job: slots with waiters and places left get their offers."""
        waited = await self._repository.waited_for(None)
        await self.offer([s for s in waited if any((await self._sales.left(s)).values())])

    async def _offer_on(self, slot_id: uuid.UUID) -> int:
        offered = 0
        for waiter in await self._repository.first(slot_id, limit=_ROUND):
            try:
                await self._tourism.hold(waiter.citizen_id, slot_id, waiter.tickets, waiter_id=waiter.id)
            except (SoldOut, SlotClosed):
                return offered  # no room for the first in line: nobody behind them jumps ahead
            except IdLimitReached:
                if await self._sales.find_hold(waiter.id) is None:  # not our own hold made before
                    await self._repository.move(waiter.id, to="lapsed", now=self._clock.now())
                    continue
            except Invalid:
                await self._repository.move(waiter.id, to="lapsed", now=self._clock.now())
                continue
            offered += await self._offered(waiter, slot_id)
        return offered

    async def _offered(self, waiter: Waiter, slot_id: uuid.UUID) -> int:
        slot = await self._spots.slot(slot_id)
        spot = await self._spots.spot(slot.spot_id)
        async with transaction(self._engine):
            moved = await self._repository.move(
                waiter.id, to="offered", now=self._clock.now(), hold_id=waiter.id
            )
            if moved:
                await self._notifications.notify(
                    waiter.citizen_id,
                    template=OFFERED,
                    data={
                        "spot": spot.name,
                        "day": slot.day,
                        "minutes": self._offer_minutes,
                        "hold_id": waiter.id,
                    },
                    key=f"tourism.offer:{waiter.id}",
                )
        if moved:
            self._notifications.wake()
        return int(moved)
