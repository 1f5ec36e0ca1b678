"""The hotel feature: hotels and room types, per-night inventory, bookings paid through the payment
feature, cancellation with refunds, self check-in with a key code from the hotel's PMS."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Sequence
from datetime import timedelta

from backend.background import Job, Periodic
from backend.citizen.service import CitizenService
from backend.database import transaction
from backend.feature import Feature
from backend.hotel.controller import HotelBookingController, HotelController
from backend.hotel.errors import HotelCodeTaken
from backend.hotel.privacy import PERSONAL_DATA
from backend.hotel.repository import HotelRepository
from backend.hotel.seed import SEED
from backend.hotel.service import OWNER, REFUND_TOPIC, HotelService
from backend.idempotency import Idempotency
from backend.outbox.jobs import ClaimedJob, Handler
from backend.outbox.service import Outbox
from backend.payment.owners import owner_handler, topic
from backend.payment.refunds import RefundService
from backend.payment.service import PaymentService
from backend.payment.settings import PaymentSettings
from backend.wiring import Wiring

log = logging.getLogger("backend.hotel")


def _hotels(w: Wiring) -> HotelService:
    infra = w.infra
    payments = w.get(PaymentService)
    return HotelService(
        repository=HotelRepository(infra.engine),
        payments=payments,
        refunds=w.get(RefundService),
        citizens=w.get(CitizenService),
        pms=infra.upstreams.hotelpms,
        outbox=w.get(Outbox),
        cipher=infra.cipher,
        audit=infra.audit,
        clock=infra.clock,
        engine=infra.engine,
        hold=timedelta(seconds=w.section(PaymentSettings).order_ttl),
    )


def _refund_handler(w: Wiring) -> Handler:
    hotels = w.get(HotelService)

    async def handle(job: ClaimedJob) -> None:
        await hotels.refund(uuid.UUID(json.loads(job.payload)["booking_id"]))

    return handle


def _jobs(w: Wiring) -> Sequence[Job]:
    hotels = w.get(HotelService)

    async def sweep() -> None:
        await hotels.sweep()

    return [Periodic("hotel holds past their order", every=15.0, step=sweep)]


async def _seed(w: Wiring) -> None:
    """Seed Suqian's hotels outside production (the embedded default, the bench's stack)."""
    if w.settings.mode == "production":
        return
    hotels = w.get(HotelService)
    for hotel, kinds in SEED:
        if await hotels.has_code(hotel["code"]):
            continue
        # A hotel and its room types in one transaction: API workers starting together race here,
        # and the loser meets the winner's hotel (nothing to do), never a hotel without its rooms.
        try:
            async with transaction(w.infra.engine):
                row = await hotels.add_hotel(by="system:seed", **hotel)
                for kind in kinds:
                    await hotels.add_room_type(row.id, by="system:seed", **kind)
        except HotelCodeTaken:
            continue
        log.info("seeded hotel %s", hotel["code"])


FEATURE = Feature(
    name="hotel",
    routes=(HotelController, HotelBookingController),
    piccolo_app="backend.hotel.piccolo_app",
    services={HotelService: _hotels},
    dependencies={"hotels": HotelService, "idempotency": Idempotency},
    background=_jobs,
    outbox_handlers={
        REFUND_TOPIC: _refund_handler,
        # The payment feature's notices of this feature's orders (paid, refunded).
        topic(OWNER): lambda w: owner_handler(w.get(HotelService).on_payment),
    },
    on_startup=(_seed,),
    personal_data=PERSONAL_DATA,
)
