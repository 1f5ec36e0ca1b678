"""Taking numbers and checking in: walk-ins (in the app at the hall, or at a kiosk) and booked
arrivals within their window, each at the tail of its priority band; and a ticket's place in line,
computed from the database (the polling answer, and what holds when Redis is down)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from piccolo.engine.base import Engine

from backend.audit.service import AuditLog
from backend.auth.principal import Principal
from backend.clock import Clock
from backend.code.scanning import ScanService
from backend.database import UniqueViolation, transaction
from backend.queues import eta
from backend.queues.errors import (
    BookingNotFound,
    CheckInOutsideWindow,
    CodeNotAccepted,
    HallCodeInvalid,
    KioskNotHere,
    NoTableForParty,
    NotWaiting,
    PriorityNotAllowed,
    ServiceNotInHall,
    TicketExists,
    TicketNotFound,
)
from backend.queues.growth import Growth
from backend.queues.live import Publisher
from backend.queues.model import WALK_IN, Band, Hall, Position, Service, Ticket
from backend.queues.numbers import NumberDesk
from backend.queues.repository.bookings import BookingRepository
from backend.queues.repository.tickets import TicketRepository
from backend.queues.service import HallService, local_day

# Seconds a worker keeps a hall or service it read for a kiosk (bounded: venues come from tokens).
CONFIG_TTL = 5.0


class HallConfig:
    """Halls by venue and services by id as a kiosk's hot path reads them: kept ``CONFIG_TTL``
    seconds per worker (configuration, not state: a new or changed hall shows within that)."""

    def __init__(self, halls: HallService, clock: Clock) -> None:
        self._halls = halls
        self._clock = clock
        self._venues: dict[str, tuple[float, Hall | None]] = {}
        self._services: dict[uuid.UUID, tuple[float, Service]] = {}

    async def hall_at_venue(self, venue: str) -> Hall | None:
        now = self._clock.monotonic()
        kept = self._venues.get(venue)
        if kept is None or kept[0] < now:
            kept = self._venues[venue] = (now + CONFIG_TTL, await self._halls.hall_at_venue(venue))
        return kept[1]

    async def service(self, service_id: uuid.UUID) -> Service:
        now = self._clock.monotonic()
        kept = self._services.get(service_id)
        if kept is None or kept[0] < now:
            kept = self._services[service_id] = (now + CONFIG_TTL, await self._halls.service(service_id))
        return kept[1]


class TicketService:
    def __init__(
        self,
        *,
        halls: HallService,
        tickets: TicketRepository,
        bookings: BookingRepository,
        publisher: Publisher,
        growth: Growth,
        codes: ScanService,
        audit: AuditLog,
        clock: Clock,
        engine: Engine[Any],
    ) -> None:
        self._halls = halls
        self._config = HallConfig(halls, clock)
        self._tickets = tickets
        self._desk = NumberDesk(tickets, engine)
        self._bookings = bookings
        self._publisher = publisher
        self._growth = growth
        self._codes = codes
        self._audit = audit
        self._clock = clock
        self._engine = engine

    async def _service_of(self, hall: Hall, service_id: uuid.UUID) -> Service:
        service = await self._config.service(service_id)
        if service.hall_id != hall.id:
            raise ServiceNotInHall()
        return service

    async def _take(
        self,
        hall: Hall,
        service: Service,
        band: Band,
        *,
        citizen_id: uuid.UUID | None,
        booking_id: uuid.UUID | None = None,
    ) -> Ticket:
        """A number; walk-ins' (no booking, no transaction of the caller's) go through the desk's
        group commit (``numbers.py``)."""
        now = self._clock.now()
        with UniqueViolation(raise_as=TicketExists):
            if booking_id is None:
                return await self._desk.take(
                    hall_id=hall.id,
                    service_id=service.id,
                    prefix=service.prefix,
                    day=local_day(now),
                    band=hall.band_of(band),
                    band_name=band,
                    citizen_id=citizen_id,
                    now=now,
                )
            ticket = await self._tickets.take(
                hall_id=hall.id,
                service_id=service.id,
                prefix=service.prefix,
                day=local_day(now),
                band=hall.band_of(band),
                band_name=band,
                citizen_id=citizen_id,
                booking_id=booking_id,
                now=now,
            )
        return ticket

    async def _check_hall_code(self, hall_id: uuid.UUID, code: str) -> Hall:
        hall = await self._halls.hall(hall_id)
        if code != await self._halls.check_in_code(hall_id):
            raise HallCodeInvalid()
        return hall

    async def walk_in(self, citizen_id: uuid.UUID, *, service_id: uuid.UUID, hall_code: str) -> Ticket:
        """A number taken in the app at the hall (the poster's code proves the citizen is there)."""
        service = await self._halls.service(service_id)
        hall = await self._check_hall_code(service.hall_id, hall_code)
        ticket = await self._take(hall, service, WALK_IN, citizen_id=citizen_id)
        await self._growth.grew(hall.id, service.id, ticket.day, ticket.label)
        return ticket

    async def table(
        self, citizen_id: uuid.UUID, *, hall_id: uuid.UUID, party_size: int, hall_code: str
    ) -> Ticket:
        """A restaurant's queue number for a party: the number of the table band that seats it (B012
        for 3-4), taken like any walk-in's, so it is called, watched and told exactly the same way."""
        hall = await self._check_hall_code(hall_id, hall_code)
        band = next(
            (
                s
                for s in await self._halls.services(hall.id)
                if s.party_min is not None
                and s.party_max is not None
                and s.party_min <= party_size <= s.party_max
            ),
            None,
        )
        if band is None:
            raise NoTableForParty()
        ticket = await self._take(hall, band, WALK_IN, citizen_id=citizen_id)
        await self._growth.grew(hall.id, band.id, ticket.day, ticket.label)
        return ticket

    async def check_in(self, citizen_id: uuid.UUID, *, hall_id: uuid.UUID, hall_code: str) -> Ticket:
        """Scanning the hall's QR: the citizen's booking there today becomes a number."""
        hall = await self._check_hall_code(hall_id, hall_code)
        return await self._check_in(hall, citizen_id)

    async def _check_in(self, hall: Hall, citizen_id: uuid.UUID) -> Ticket:
        now = self._clock.now()
        # Today's, and tomorrow's first slots from 23:30 on (a window may span midnight).
        days = [local_day(now), local_day(now + timedelta(days=1))]
        bookings = await self._bookings.active_at_hall(citizen_id, hall.id, days)
        if not bookings:
            raise BookingNotFound()
        opens = timedelta(minutes=hall.check_in_before_minutes)
        closes = timedelta(minutes=hall.check_in_after_minutes)
        due = [b for b in bookings if b.starts_at - opens <= now <= b.starts_at + closes]
        if not due:
            raise CheckInOutsideWindow()
        booking = due[0]
        service = await self._halls.service(booking.service_id)
        async with transaction(self._engine):
            if await self._bookings.move(booking.id, from_status="active", to="checked_in", now=now) is None:
                raise BookingNotFound()
            ticket = await self._take(hall, service, "booked", citizen_id=citizen_id, booking_id=booking.id)
            await self._audit.append(
                actor=f"citizen:{citizen_id}",
                action="queue.checked_in",
                subject=f"booking:{booking.id}",
                data={"ticket": ticket.label},
                chain="queue",
            )
        await self._growth.grew(hall.id, service.id, ticket.day, ticket.label)
        return ticket

    async def _kiosk_hall(self, kiosk: Principal) -> Hall:
        hall = await self._config.hall_at_venue(kiosk.context.get("venue", ""))
        if hall is None:
            raise KioskNotHere()
        return hall

    async def _citizen_by_code(self, kiosk: Principal, code: str) -> uuid.UUID:
        citizen_id = await self._codes.identify(kiosk, code)
        if citizen_id is None:
            raise CodeNotAccepted()
        return citizen_id

    async def kiosk_check_in(self, kiosk: Principal, code: str) -> Ticket:
        """At the hall's kiosk with the citizen code (verified once, like at a gate)."""
        hall = await self._kiosk_hall(kiosk)
        return await self._check_in(hall, await self._citizen_by_code(kiosk, code))

    async def kiosk_take(
        self, kiosk: Principal, *, service_id: uuid.UUID, band: Band, code: str | None
    ) -> Ticket:
        """A walk-in's number at the kiosk: a paper ticket, or the citizen's own with their code. The
        kiosk (staffed, or the citizen's declaration it records) vouches for a priority band."""
        hall = await self._kiosk_hall(kiosk)
        service = await self._service_of(hall, service_id)
        if band != WALK_IN and band not in hall.priority_bands:
            raise PriorityNotAllowed()
        citizen_id = await self._citizen_by_code(kiosk, code) if code is not None else None
        # One statement on PostgreSQL (number, rank and ticket), its own transaction.
        ticket = await self._take(hall, service, band, citizen_id=citizen_id)
        await self._growth.grew(hall.id, service.id, ticket.day, ticket.label)
        return ticket

    async def position(self, citizen_id: uuid.UUID, ticket_id: uuid.UUID) -> Position:
        ticket = await self._tickets.find(ticket_id, citizen_id=citizen_id)
        if ticket is None:
            raise TicketNotFound()
        return await self.place_of(ticket)

    async def place_of(self, ticket: Ticket) -> Position:
        if ticket.status != "waiting":
            counter = None
            if ticket.status == "called":
                counters = await self._halls.counters(ticket.hall_id)
                counter = next((c.name for c in counters if c.id == ticket.counter_id), None)
            return Position(ticket=ticket, ahead=0, eta_minutes_low=0, eta_minutes_high=0, counter=counter)
        ahead = await self._tickets.ahead_of(ticket)
        line = await self._publisher.line(ticket.hall_id, ticket.service_id, ticket.day)
        low, high = eta.estimate(
            ahead,
            service_seconds=line.service_seconds,
            open_counters=line.open_counters,
            last_wait=line.last_wait_seconds,
            waiting=line.waiting,
        )
        return Position(ticket=ticket, ahead=ahead, eta_minutes_low=low, eta_minutes_high=high)

    async def mine(self, citizen_id: uuid.UUID) -> list[Ticket]:
        return await self._tickets.of_citizen(citizen_id, local_day(self._clock.now()))

    async def cancel(self, citizen_id: uuid.UUID, ticket_id: uuid.UUID) -> Ticket:
        """Leave the line: the place becomes a hole every watcher behind it subtracts."""
        found = await self._tickets.find(ticket_id, citizen_id=citizen_id)
        if found is None:
            raise TicketNotFound()
        async with transaction(self._engine):
            ticket = await self._tickets.close(
                ticket_id, from_status="waiting", to="cancelled", now=self._clock.now(), citizen_id=citizen_id
            )
            if ticket is None:
                raise NotWaiting()
            seq = await self._publisher.record(ticket.hall_id, "cancelled", ticket, None)
        await self._publisher.publish(ticket.hall_id, seq)
        return ticket
