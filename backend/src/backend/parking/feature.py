"""The parking feature: car parks and bays, hourly reservations, stays from the gate platform's
events, fees by tariff paid on exit through the payment feature, plates erased after retention."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from backend.background import Job, Periodic
from backend.feature import Feature
from backend.idempotency import Idempotency
from backend.outbox.service import Outbox
from backend.parking.controller import ParkingCitizenController, ParkingLotController
from backend.parking.errors import LotCodeTaken
from backend.parking.gate import GateFeed
from backend.parking.privacy import PERSONAL_DATA
from backend.parking.records import FeedRepository, StayRepository
from backend.parking.repository import LotRepository, PlateRepository, ReservationRepository
from backend.parking.service import CLEAR_TOPIC, OWNER, ParkingService
from backend.parking.settings import ParkingSettings
from backend.payment.owners import owner_handler, topic
from backend.payment.service import PaymentService
from backend.wiring import Wiring

log = logging.getLogger("backend.parking")

# Suqian car parks for the embedded default (the gate twin knows the same codes).
SEED = (
    ("SQ-P-001", "宿迁市政府广场停车场", "宿迁市宿城区洪泽湖路", 10, 4),
    ("SQ-P-002", "项王故里景区停车场", "宿迁市宿城区项王路", 20, 8),
    ("SQ-P-003", "宿迁站P1停车场", "宿迁市宿豫区高铁站", 12, 6),
)


def _parking(w: Wiring) -> ParkingService:
    infra = w.infra
    payments = w.get(PaymentService)
    return ParkingService(
        lots=LotRepository(infra.engine),
        plates=PlateRepository(infra.engine),
        reservations=ReservationRepository(infra.engine),
        stays=StayRepository(infra.engine),
        payments=payments,
        outbox=w.get(Outbox),
        cipher=infra.cipher,
        settings=w.section(ParkingSettings),
        audit=infra.audit,
        clock=infra.clock,
        engine=infra.engine,
    )


def _feed(w: Wiring) -> GateFeed:
    infra = w.infra
    return GateFeed(
        parking=w.get(ParkingService),
        gate=infra.upstreams.parking,
        lots=LotRepository(infra.engine),
        reservations=ReservationRepository(infra.engine),
        stays=StayRepository(infra.engine),
        feed=FeedRepository(infra.engine),
        outbox=w.get(Outbox),
        clock=infra.clock,
        engine=infra.engine,
    )


def _jobs(w: Wiring) -> Sequence[Job]:
    parking, feed = w.get(ParkingService), w.get(GateFeed)

    async def gate_events() -> None:
        await feed.step()

    async def sweep() -> None:
        await parking.sweep()

    return [
        Periodic("parking gate events", every=w.section(ParkingSettings).feed_every, step=gate_events),
        Periodic("parking no-shows and plate retention", every=300.0, step=sweep),
    ]


async def _seed(w: Wiring) -> None:
    """Seed Suqian's car parks outside production (the embedded default, the bench's stack)."""
    if w.settings.mode == "production":
        return
    parking = w.get(ParkingService)
    for code, name, address, bays, reservable in SEED:
        if await parking.has_code(code):
            continue
        try:  # a lot and its bays are one transaction: of API workers starting together, one adds it
            await parking.add_lot(
                by="system:seed",
                bays=[
                    (f"B{n:03d}", "ev" if n <= 2 else "standard", n <= reservable) for n in range(1, bays + 1)
                ],
                code=code,
                name=name,
                address=address,
                free_minutes=15,
                hour_fen=300,
                daily_cap_fen=3000,
            )
        except LotCodeTaken:
            continue
        log.info("seeded car park %s", code)


FEATURE = Feature(
    name="parking",
    routes=(ParkingLotController, ParkingCitizenController),
    piccolo_app="backend.parking.piccolo_app",
    settings=ParkingSettings,
    services={ParkingService: _parking, GateFeed: _feed},
    dependencies={"parking": ParkingService, "idempotency": Idempotency},
    background=_jobs,
    outbox_handlers={
        CLEAR_TOPIC: lambda w: w.get(GateFeed).clear,
        # The payment feature's notices of this feature's orders (paid, refunded).
        topic(OWNER): lambda w: owner_handler(w.get(ParkingService).on_payment),
    },
    on_startup=(_seed,),
    personal_data=PERSONAL_DATA,
)
