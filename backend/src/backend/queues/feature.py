"""The queues feature: halls, slots and bookings, numbers, counters, live positions and the board."""

from __future__ import annotations

from collections.abc import Sequence

from backend.account_link.service import AccountLinkService
from backend.background import Job, Periodic
from backend.code.scanning import ScanService
from backend.feature import Feature
from backend.idempotency import Idempotency
from backend.outbox.service import Outbox
from backend.queues.bookings import BookingService
from backend.queues.controller.admin import QueueAdminController
from backend.queues.controller.citizen import QueueCitizenController
from backend.queues.controller.live import QueueLiveController
from backend.queues.controller.public import QueuePublicController
from backend.queues.controller.staff import QueueCounterController, QueueKioskController
from backend.queues.counters import CounterService
from backend.queues.fanout import KEEP_ALIVE_SECONDS, POLL_SECONDS, Fanout, end_streams_on_stop
from backend.queues.growth import GROWTH_SECONDS, Growth
from backend.queues.live import Bus, LocalBus, Publisher, RedisBus
from backend.queues.notices import TOPIC, Notices
from backend.queues.privacy import PERSONAL_DATA
from backend.queues.repository.bookings import BookingRepository
from backend.queues.repository.events import EventRepository
from backend.queues.repository.halls import HallRepository
from backend.queues.repository.tickets import TicketRepository
from backend.queues.service import HallService
from backend.queues.settings import QueueSettings
from backend.queues.tickets import TicketService
from backend.wiring import Wiring


def _halls(w: Wiring) -> HallService:
    infra = w.infra
    return HallService(
        repository=HallRepository(infra.engine),
        audit=infra.audit,
        clock=infra.clock,
        engine=infra.engine,
        slot_days=w.section(QueueSettings).slot_days,
    )


def _bookings(w: Wiring) -> BookingService:
    infra = w.infra
    return BookingService(
        bookings=BookingRepository(infra.engine),
        halls=HallRepository(infra.engine),
        notices=w.get(Notices),
        audit=infra.audit,
        clock=infra.clock,
        engine=infra.engine,
    )


def _bus(w: Wiring) -> Bus:
    redis = w.settings.redis
    if redis.url:
        return RedisBus(redis.url, channel=f"{redis.key_prefix}queue:events", fanout=w.get(Fanout))
    return LocalBus(w.get(Fanout))


def _publisher(w: Wiring) -> Publisher:
    engine = w.infra.engine
    return Publisher(
        events=EventRepository(engine),
        tickets=TicketRepository(engine),
        halls=HallRepository(engine),
        bus=w.get(Bus),
        clock=w.infra.clock,
    )


def _tickets(w: Wiring) -> TicketService:
    infra = w.infra
    return TicketService(
        halls=w.get(HallService),
        tickets=TicketRepository(infra.engine),
        bookings=BookingRepository(infra.engine),
        publisher=w.get(Publisher),
        growth=w.get(Growth),
        codes=w.get(ScanService),
        audit=infra.audit,
        clock=infra.clock,
        engine=infra.engine,
    )


def _counters(w: Wiring) -> CounterService:
    infra = w.infra
    return CounterService(
        halls=w.get(HallService),
        hall_rows=HallRepository(infra.engine),
        tickets=TicketRepository(infra.engine),
        notices=w.get(Notices),
        publisher=w.get(Publisher),
        growth=w.get(Growth),
        audit=infra.audit,
        clock=infra.clock,
        engine=infra.engine,
    )


def _notices(w: Wiring) -> Notices:
    return Notices(
        outbox=w.get(Outbox),
        links=w.get(AccountLinkService),
        wechat=w.infra.upstreams.wechat,
        settings=w.section(QueueSettings),
    )


def _jobs(w: Wiring) -> Sequence[Job]:
    slot_days = w.section(QueueSettings).slot_days
    halls = w.get(HallService)

    async def materialise() -> None:
        await halls.materialise(days=slot_days)

    async def sweep() -> None:
        await w.get(BookingService).sweep()

    jobs: list[Job] = [
        Periodic("queue fan-out poll", every=POLL_SECONDS, step=w.get(Fanout).poll),
        Periodic("queue lines grown", every=GROWTH_SECONDS / 2, step=w.get(Growth).flush),
        Periodic("queue stream keep-alive", every=KEEP_ALIVE_SECONDS, step=w.get(Fanout).keep_alive),
        Periodic("queue no-shows and reminders", every=60.0, step=sweep),
        # At start too: a server that was down (or is new) has today's slots before the first hour.
        Periodic("queue slots ahead", every=3600.0, step=materialise, immediately=True),
    ]
    bus = w.get(Bus)
    if isinstance(bus, RedisBus):
        jobs.append(bus)
    return jobs


async def _streams_end_on_stop(w: Wiring) -> None:
    end_streams_on_stop(w.get(Fanout).close)


FEATURE = Feature(
    name="queues",
    routes=(
        QueueAdminController,
        QueuePublicController,
        QueueCitizenController,
        QueueKioskController,
        QueueCounterController,
        QueueLiveController,
    ),
    piccolo_app="backend.queues.piccolo_app",
    settings=QueueSettings,
    services={
        HallService: _halls,
        BookingService: _bookings,
        Fanout: lambda w: Fanout(EventRepository(w.infra.engine)),
        Bus: _bus,
        Publisher: _publisher,
        Growth: lambda w: Growth(w.get(Publisher), w.infra.engine, w.infra.clock),
        TicketService: _tickets,
        CounterService: _counters,
        Notices: _notices,
    },
    dependencies={
        "halls": HallService,
        "bookings": BookingService,
        "tickets": TicketService,
        "counters": CounterService,
        "publisher": Publisher,
        "fanout": Fanout,
        "idempotency": Idempotency,
    },
    background=_jobs,
    outbox_handlers={TOPIC: lambda w: w.get(Notices).deliver},
    on_startup=(_streams_end_on_stop,),
    personal_data=PERSONAL_DATA,
)
