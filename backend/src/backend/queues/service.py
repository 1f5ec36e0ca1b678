"""Halls as operators configure them (services, counters, staff, hours and holidays), the slots
materialised ahead from each service's template, and what the public reads of them."""

from __future__ import annotations

import asyncio
import secrets
import uuid
from datetime import date, datetime, time, timedelta
from typing import Any

from piccolo.engine.base import Engine

from backend.audit.service import AuditLog
from backend.auth.principal import Principal
from backend.clock import Clock
from backend.database import UniqueViolation, transaction
from backend.queues.errors import (
    CounterNotFound,
    CounterNotYours,
    HallNotFound,
    PartyBandInvalid,
    PrefixTaken,
    ScheduleInvalid,
    ServiceNotFound,
    ServiceNotInHall,
    VenueTaken,
)
from backend.queues.model import LOCAL, Counter, Hall, HallKind, PriorityBand, Service, Slot
from backend.queues.repository.halls import HallRepository

MINUTES_A_DAY = 24 * 60
# How long, and for how many halls, ``exists`` remembers a hall it found.
KNOWN_FOR = 300.0
KNOWN_HALLS = 10_000


def local_day(moment: datetime) -> str:
    return moment.astimezone(LOCAL).date().isoformat()


def slots_of(hall: Hall, service: Service, day: date) -> list[Slot]:
    """The slots of ``service`` on ``day`` by its template: none on a holiday or a closed weekday."""
    hours = hall.hours[day.weekday()]
    if hours is None or day.isoformat() in hall.holidays:
        return []
    opens, closes = hours
    midnight = datetime.combine(day, time(), LOCAL)
    found = []
    start = opens
    while start + service.slot_minutes <= closes:
        found.append(
            Slot(
                id=uuid.uuid4(),
                service_id=service.id,
                hall_id=hall.id,
                day=day.isoformat(),
                starts_at=midnight + timedelta(minutes=start),
                ends_at=midnight + timedelta(minutes=start + service.slot_minutes),
                capacity=service.slot_capacity,
                booked=0,
            )
        )
        start += service.slot_minutes
    return found


class HallService:
    """Operators set halls up; anyone reads them and their free slots."""

    def __init__(
        self,
        *,
        repository: HallRepository,
        audit: AuditLog,
        clock: Clock,
        engine: Engine[Any],
        slot_days: int = 14,
    ) -> None:
        self._slot_days = slot_days
        self._known: dict[uuid.UUID, float] = {}
        self._looking: dict[uuid.UUID, asyncio.Future[Hall]] = {}
        self._repository = repository
        self._audit = audit
        self._clock = clock
        self._engine = engine

    async def create_hall(
        self,
        *,
        name: str,
        kind: HallKind,
        venue: str,
        hours: list[list[int] | None],
        holidays: list[str],
        priority_bands: list[PriorityBand],
        grace_seconds: int,
        max_recalls: int,
        check_in_before_minutes: int,
        check_in_after_minutes: int,
        by: Principal,
    ) -> tuple[Hall, str]:
        """A new hall and the check-in code its QR poster carries."""
        for pair in hours:
            if pair is not None and not (len(pair) == 2 and 0 <= pair[0] < pair[1] <= MINUTES_A_DAY):
                raise ScheduleInvalid()
        hall = Hall(
            id=uuid.uuid4(),
            name=name,
            kind=kind,
            venue=venue,
            hours=hours,
            holidays=sorted(set(holidays)),
            priority_bands=list(dict.fromkeys(priority_bands)),
            grace_seconds=grace_seconds,
            max_recalls=max_recalls,
            check_in_before_minutes=check_in_before_minutes,
            check_in_after_minutes=check_in_after_minutes,
            created_at=self._clock.now(),
        )
        code = secrets.token_urlsafe(12)
        async with transaction(self._engine):
            with UniqueViolation(raise_as=VenueTaken):
                await self._repository.add_hall(hall, check_in_code=code)
            await self._audit.append(
                actor=by.subject, action="queue.hall_created", subject=f"hall:{hall.id}", chain="queue"
            )
        return hall, code

    async def hall(self, hall_id: uuid.UUID) -> Hall:
        hall = await self._repository.find_hall(hall_id)
        if hall is None:
            raise HallNotFound()
        return hall

    async def exists(self, hall_id: uuid.UUID) -> None:
        """``HallNotFound`` unless the hall exists; a hall once seen is remembered ``KNOWN_FOR``
        seconds (halls are never deleted): thousands of watchers reconnecting at once after a restart
        must not each queue a query on the pool for it."""
        now = self._clock.monotonic()
        if self._known.get(hall_id, 0.0) > now:
            return
        # One lookup however many arrive before it answers: 5,000 streams of one worker opening
        # together each queued a query on the pool (8 connections) and half of them got a 503.
        looking = self._looking.get(hall_id)
        if looking is None:
            looking = self._looking[hall_id] = asyncio.ensure_future(self.hall(hall_id))
            looking.add_done_callback(lambda done: self._looked(hall_id, done))
        await asyncio.shield(looking)
        if len(self._known) > KNOWN_HALLS:
            self._known.clear()
        self._known[hall_id] = now + KNOWN_FOR

    def _looked(self, hall_id: uuid.UUID, done: asyncio.Future[Hall]) -> None:
        self._looking.pop(hall_id, None)
        if not done.cancelled():
            done.exception()  # retrieved here too: every waiter may have gone

    async def hall_at_venue(self, venue: str) -> Hall | None:
        return await self._repository.find_hall_by_venue(venue)

    async def halls(self) -> list[Hall]:
        return await self._repository.halls()

    async def check_in_code(self, hall_id: uuid.UUID) -> str:
        code = await self._repository.check_in_code(hall_id)
        if code is None:
            raise HallNotFound()
        return code

    async def add_service(
        self,
        hall_id: uuid.UUID,
        *,
        name: str,
        prefix: str,
        slot_minutes: int,
        slot_capacity: int,
        service_minutes: float,
        party_min: int | None = None,
        party_max: int | None = None,
        by: Principal,
    ) -> Service:
        """A service of the hall; a restaurant's is a party-size band (the sizes it seats)."""
        hall = await self.hall(hall_id)
        party = (party_min, party_max) if party_min is not None and party_max is not None else None
        banded = party_min is not None or party_max is not None
        if banded != (hall.kind == "restaurant") or (banded and (party is None or party[0] > party[1])):
            raise PartyBandInvalid()
        if party is not None and any(
            s.party_min is not None
            and s.party_max is not None
            and s.party_min <= party[1]
            and party[0] <= s.party_max
            for s in await self.services(hall_id)
        ):
            raise PartyBandInvalid()  # two bands would seat the same party
        service = Service(
            id=uuid.uuid4(),
            hall_id=hall_id,
            name=name,
            prefix=prefix,
            slot_minutes=slot_minutes,
            slot_capacity=slot_capacity,
            service_seconds=service_minutes * 60,
            party_min=party[0] if party else None,
            party_max=party[1] if party else None,
        )
        async with transaction(self._engine):
            with UniqueViolation(raise_as=PrefixTaken):
                await self._repository.add_service(service, now=self._clock.now())
            await self._audit.append(
                actor=by.subject,
                action="queue.service_created",
                subject=f"service:{service.id}",
                chain="queue",
            )
        return service

    async def service(self, service_id: uuid.UUID) -> Service:
        service = await self._repository.find_service(service_id)
        if service is None:
            raise ServiceNotFound()
        return service

    async def services(self, hall_id: uuid.UUID) -> list[Service]:
        return await self._repository.services(hall_id)

    async def add_counter(
        self, hall_id: uuid.UUID, *, name: str, services: list[uuid.UUID], by: Principal
    ) -> Counter:
        await self.hall(hall_id)
        own = {s.id for s in await self.services(hall_id)}
        if not services or not set(services) <= own:
            raise ServiceNotInHall()
        counter = Counter(id=uuid.uuid4(), hall_id=hall_id, name=name, services=list(dict.fromkeys(services)))
        async with transaction(self._engine):
            await self._repository.add_counter(counter, now=self._clock.now())
            await self._audit.append(
                actor=by.subject,
                action="queue.counter_created",
                subject=f"counter:{counter.id}",
                chain="queue",
            )
        return counter

    async def counters(self, hall_id: uuid.UUID) -> list[Counter]:
        return await self._repository.counters(hall_id)

    async def counters_for(self, principal: Principal) -> list[tuple[Hall, list[Counter]]]:
        """The counters ``principal`` may work, by hall (``counter_for``'s rule: an operator every
        hall's, counter staff those of the halls they are assigned to) — the console's counter list."""
        worked = []
        for hall in await self._repository.halls():
            if "operator" in principal.roles or await self._repository.assigned(hall.id, principal.id):
                worked.append((hall, await self._repository.counters(hall.id)))
        return worked

    async def counter_for(self, counter_id: uuid.UUID, principal: Principal) -> Counter:
        """The counter, if ``principal`` may work it: an operator anywhere, counter staff only in the
        halls they are assigned to (403 elsewhere)."""
        counter = await self._repository.find_counter(counter_id)
        if counter is None:
            raise CounterNotFound()
        if "operator" not in principal.roles and not await self._repository.assigned(
            counter.hall_id, principal.id
        ):
            raise CounterNotYours()
        return counter

    async def assign(self, hall_id: uuid.UUID, staff_id: uuid.UUID, *, by: Principal) -> None:
        await self.hall(hall_id)
        async with transaction(self._engine):
            await self._repository.assign(hall_id, staff_id, now=self._clock.now())
            await self._audit.append(
                actor=by.subject,
                action="queue.staff_assigned",
                subject=f"hall:{hall_id}",
                data={"staff": str(staff_id)},
                chain="queue",
            )

    async def materialise(self, *, days: int, service_id: uuid.UUID | None = None) -> int:
        """Slots for today and the next ``days`` - 1 days of one service or all; how many were new."""
        services = [await self.service(service_id)] if service_id else await self._repository.services()
        today = self._clock.now().astimezone(LOCAL).date()
        added = 0
        halls: dict[uuid.UUID, Hall] = {}
        for service in services:
            hall = halls.get(service.hall_id) or await self.hall(service.hall_id)
            halls[hall.id] = hall
            for offset in range(days):
                added += await self._repository.add_slots(
                    slots_of(hall, service, today + timedelta(days=offset))
                )
        return added

    async def slots(self, service_id: uuid.UUID, day: str) -> list[Slot]:
        """The service's slots on ``day``. A day inside the horizon that has none yet is materialised
        now (a fresh server, a service added since the hourly job, midnight before its next run);
        existing slots stay as they are (``ON CONFLICT DO NOTHING``)."""
        service = await self.service(service_id)
        found = await self._repository.slots(service_id, day)
        wanted = date.fromisoformat(day)
        today = self._clock.now().astimezone(LOCAL).date()
        if not found and today <= wanted < today + timedelta(days=self._slot_days):
            template = slots_of(await self.hall(service.hall_id), service, wanted)
            if template and await self._repository.add_slots(template):
                found = await self._repository.slots(service_id, day)
        return found
