"""Counters at work: call the next number by the hall's rules, recall, skip a no-show, transfer,
finish. Each change records its event in its own transaction (``live.Publisher``), owes the
subscribe messages it causes (``called``; ``third`` in line) and writes its audit entry (chain
``queue``: who moved which number at which counter) in the same one."""

from __future__ import annotations

import uuid
from typing import Any

from piccolo.engine.base import Engine

from backend.audit.service import AuditLog
from backend.auth.principal import Principal
from backend.clock import Clock
from backend.database import UniqueViolation, transaction
from backend.queues import eta
from backend.queues.errors import (
    GraceNotOver,
    NobodyWaiting,
    NoCurrentTicket,
    RecallLimit,
    ServiceNotInHall,
    TicketExists,
)
from backend.queues.growth import Growth
from backend.queues.live import Publisher, announcement
from backend.queues.model import Called, Counter, Ticket
from backend.queues.notices import NoticeEvent, Notices
from backend.queues.repository.halls import HallRepository
from backend.queues.repository.tickets import TicketRepository
from backend.queues.service import HallService, local_day


class CounterService:
    def __init__(
        self,
        *,
        halls: HallService,
        hall_rows: HallRepository,
        tickets: TicketRepository,
        notices: Notices,
        publisher: Publisher,
        growth: Growth,
        audit: AuditLog,
        clock: Clock,
        engine: Engine[Any],
    ) -> None:
        self._halls = halls
        self._audit = audit
        self._hall_rows = hall_rows
        self._tickets = tickets
        self._notices = notices
        self._publisher = publisher
        self._growth = growth
        self._clock = clock
        self._engine = engine

    async def _audited(
        self, principal: Principal, action: str, counter: Counter, ticket: Ticket, **data: str
    ) -> None:
        """Inside the change's transaction: ``queue.<action>`` by the staff member, on the number."""
        await self._audit.append(
            actor=principal.subject,
            action=f"queue.{action}",
            subject=f"queue_ticket:{ticket.id}",
            data={"counter": str(counter.id), "label": ticket.label, **data},
            chain="queue",
        )

    async def current(self, principal: Principal, counter_id: uuid.UUID) -> tuple[Counter, Ticket | None]:
        counter = await self._halls.counter_for(counter_id, principal)
        return counter, await self._tickets.current(counter.id)

    async def _owe(self, ticket: Ticket, event: NoticeEvent, *values: str) -> None:
        if ticket.citizen_id is not None:
            await self._notices.owe(ticket.id, ticket.citizen_id, event, ticket.label, *values)

    async def _finish(
        self, principal: Principal, counter: Counter, ticket: Ticket, to: str, *, announce: bool = True
    ) -> Ticket | None:
        """Close the counter's ticket (``done`` teaches the estimate) and, unless the call that follows
        says it anyway, tell the watchers."""
        now = self._clock.now()
        async with transaction(self._engine):
            closed = await self._tickets.close(ticket.id, from_status="called", to=to, now=now)
            if closed is None:
                return None
            if to == "done" and closed.called_at is not None:
                service = await self._halls.service(closed.service_id)
                seconds = (now - closed.called_at).total_seconds()
                await self._hall_rows.learn(
                    service.id, service_seconds=eta.learn(service.service_seconds, seconds)
                )
            seq = None
            if announce:
                seq = await self._publisher.record(
                    counter.hall_id, "finished" if to == "done" else "skipped", closed, None
                )
            await self._audited(principal, "finished" if to == "done" else to, counter, closed)
        if seq is not None:
            await self._publisher.publish(counter.hall_id, seq)
        return closed

    async def call_next(self, principal: Principal, counter_id: uuid.UUID) -> Ticket:
        """Finish the counter's current number, then call the next one waiting for its services."""
        counter, current = await self.current(principal, counter_id)
        if current is not None:
            # No event of its own: the call's event says the counter moved on (one frame per watcher
            # per call, not two).
            await self._finish(principal, counter, current, "done", announce=False)
        now = self._clock.now()
        async with transaction(self._engine):
            ticket = await self._tickets.call_next(counter.id, counter.services, day=local_day(now), now=now)
            if ticket is None:
                raise NobodyWaiting()
            await self._hall_rows.counter_called(counter.id, now=now)
            await self._hall_rows.learn(ticket.service_id, last_wait=(now - ticket.taken_at).total_seconds())
            called = Called(
                label=ticket.label,
                counter_id=counter.id,
                counter=counter.name,
                announcement=announcement(ticket.label, counter.name),
            )
            seq = await self._publisher.record(counter.hall_id, "called", ticket, called)
            await self._owe(ticket, "called", counter.name)
            third = await self._tickets.third_in_line(ticket.service_id, ticket.day)
            if third is not None:
                await self._owe(third, "third", "前面还有 2 位")
            await self._audited(principal, "called", counter, ticket)
        await self._publisher.publish(counter.hall_id, seq)
        self._notices.wake()
        return ticket

    async def recall(self, principal: Principal, counter_id: uuid.UUID) -> Ticket:
        counter, current = await self.current(principal, counter_id)
        if current is None:
            raise NoCurrentTicket()
        hall = await self._halls.hall(counter.hall_id)
        async with transaction(self._engine):
            ticket = await self._tickets.recall(current.id, max_recalls=hall.max_recalls)
            if ticket is None:
                raise RecallLimit()
            called = Called(
                label=ticket.label,
                counter_id=counter.id,
                counter=counter.name,
                announcement=announcement(ticket.label, counter.name),
            )
            seq = await self._publisher.record(counter.hall_id, "recalled", ticket, called)
            await self._audited(principal, "recalled", counter, ticket)
        await self._publisher.publish(counter.hall_id, seq)
        return ticket

    async def skip(self, principal: Principal, counter_id: uuid.UUID) -> Ticket:
        """A no-show, once the hall's grace period has passed and its recalls are used up."""
        counter, current = await self.current(principal, counter_id)
        if current is None:
            raise NoCurrentTicket()
        hall = await self._halls.hall(counter.hall_id)
        waited = (self._clock.now() - (current.called_at or current.taken_at)).total_seconds()
        if waited < hall.grace_seconds or current.recalls < hall.max_recalls:
            raise GraceNotOver()
        skipped = await self._finish(principal, counter, current, "skipped")
        if skipped is None:
            raise NoCurrentTicket()
        return skipped

    async def finish(self, principal: Principal, counter_id: uuid.UUID) -> Ticket:
        counter, current = await self.current(principal, counter_id)
        if current is None:
            raise NoCurrentTicket()
        done = await self._finish(principal, counter, current, "done")
        if done is None:
            raise NoCurrentTicket()
        return done

    async def transfer(self, principal: Principal, counter_id: uuid.UUID, service_id: uuid.UUID) -> Ticket:
        """Send the current number to another service of the hall: a new number at the tail of the
        same band there (the citizen's app shows it); the old one ends ``transferred``."""
        counter, current = await self.current(principal, counter_id)
        if current is None:
            raise NoCurrentTicket()
        target = await self._halls.service(service_id)
        if target.hall_id != counter.hall_id:
            raise ServiceNotInHall()
        hall = await self._halls.hall(counter.hall_id)
        now = self._clock.now()
        async with transaction(self._engine):
            old = await self._tickets.close(current.id, from_status="called", to="transferred", now=now)
            if old is None:
                raise NoCurrentTicket()
            with UniqueViolation(raise_as=TicketExists):
                ticket = await self._tickets.take(
                    hall_id=hall.id,
                    service_id=target.id,
                    prefix=target.prefix,
                    day=old.day,
                    band=hall.band_of(old.band_name),
                    band_name=old.band_name,
                    citizen_id=old.citizen_id,
                    booking_id=None,
                    now=now,
                    transferred_from=old.id,
                )
            seq = await self._publisher.record(counter.hall_id, "transferred", old, None)
            await self._audited(
                principal, "transferred", counter, old, to=ticket.label, service=str(target.id)
            )
        await self._publisher.publish(counter.hall_id, seq)
        await self._growth.grew(hall.id, target.id, ticket.day, ticket.label)
        return ticket
