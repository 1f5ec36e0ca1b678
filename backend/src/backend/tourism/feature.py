"""The tourism feature: scenic spots, timed real-name tickets that can't oversell, payment through
the payment feature, rotating signed e-tickets redeemed once at the gate."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from backend.background import Job, Periodic
from backend.citizen.service import CitizenService
from backend.code.scanning import ScanService
from backend.code.tasks import AuditBuffer
from backend.feature import Feature
from backend.idempotency import Idempotency
from backend.payment.owners import owner_handler, topic
from backend.payment.refunds import RefundService
from backend.payment.service import PaymentService
from backend.tourism.controller import (
    TourismAdminController,
    TourismCitizenController,
    TourismGateController,
    TourismPublicController,
)
from backend.tourism.errors import SpotExists
from backend.tourism.gates import GateService
from backend.tourism.privacy import PERSONAL_DATA
from backend.tourism.repository.catalogue import CatalogueRepository
from backend.tourism.repository.sales import SalesRepository
from backend.tourism.seed import SEED
from backend.tourism.service import OWNER, TourismService
from backend.tourism.settings import TourismSettings
from backend.tourism.signing import TicketSigner
from backend.tourism.spots import SpotService
from backend.tourism.visitors import VisitorService
from backend.wiring import Wiring

log = logging.getLogger("backend.tourism")


def _spots(w: Wiring) -> SpotService:
    infra = w.infra
    return SpotService(
        repository=CatalogueRepository(infra.engine),
        audit=infra.audit,
        clock=infra.clock,
        days_ahead=w.section(TourismSettings).days_ahead,
    )


def _visitors(w: Wiring) -> VisitorService:
    infra = w.infra
    return VisitorService(
        repository=CatalogueRepository(infra.engine),
        sales=SalesRepository(infra.engine),
        citizens=w.get(CitizenService),
        cipher=infra.cipher,
        clock=infra.clock,
    )


def _tourism(w: Wiring) -> TourismService:
    infra = w.infra
    return TourismService(
        sales=SalesRepository(infra.engine),
        spots=w.get(SpotService),
        visitors=w.get(VisitorService),
        payments=w.get(PaymentService),
        refunds=w.get(RefundService),
        store=infra.store,
        idempotency=infra.idempotency,
        settings=w.section(TourismSettings),
        audit=infra.audit,
        clock=infra.clock,
        engine=infra.engine,
    )


def _audit_buffer(w: Wiring) -> _RedeemAudit:
    return _RedeemAudit(w.infra.audit, chain="tourism", clock=w.infra.clock, flush_every=0.15, flush_rows=500)


class _RedeemAudit(AuditBuffer):
    """The gates' redemption audit rows (its own type, so the code feature's buffer stays its own)."""


def _gates(w: Wiring) -> GateService:
    infra = w.infra
    settings = w.section(TourismSettings)
    return GateService(
        sales=SalesRepository(infra.engine),
        spots=w.get(SpotService),
        signer=TicketSigner(
            data_key=infra.settings.secrets.data_key, epoch=settings.key_epoch, ttl=settings.code_ttl
        ),
        codes=w.get(ScanService),
        audit=w.get(_RedeemAudit),
        clock=infra.clock,
    )


async def seed_spots(w: Wiring) -> int:
    spots = w.get(SpotService)
    added = 0
    for slug, name, address, description, opens, closes, slot_minutes, capacity, products in SEED:
        try:
            await spots.add_spot(
                slug=slug,
                name=name,
                address=address,
                description=description,
                opens=opens,
                closes=closes,
                slot_minutes=slot_minutes,
                daily_capacity=capacity,
                shards=1,
                products=products,
                by="system:seed",
            )
        except SpotExists:
            continue  # a seed spot already there is left as it is
        added += 1
    if added:
        log.info("seed tourism: %d scenic spots added", added)
    return added


async def _seed_on_start(w: Wiring) -> None:
    wanted = w.section(TourismSettings).seed_on_start
    if wanted or (wanted is None and w.settings.mode != "production"):
        await seed_spots(w)


def _reconcile(tourism: TourismService) -> Callable[[], Awaitable[None]]:
    async def step() -> None:
        await tourism.reconcile()

    return step


def _background(w: Wiring) -> list[Job]:
    settings = w.section(TourismSettings)
    return [
        w.get(_RedeemAudit),
        Periodic("tourism hold expiry", every=settings.sweep_every, step=w.get(TourismService).sweep),
        Periodic("tourism slots ahead", every=3600.0, step=w.get(SpotService).materialise),
        Periodic("tourism reconciliation", every=60.0, step=_reconcile(w.get(TourismService))),
    ]


FEATURE = Feature(
    name="tourism",
    routes=(TourismPublicController, TourismCitizenController, TourismGateController, TourismAdminController),
    piccolo_app="backend.tourism.piccolo_app",
    settings=TourismSettings,
    services={
        SpotService: _spots,
        VisitorService: _visitors,
        TourismService: _tourism,
        GateService: _gates,
        _RedeemAudit: _audit_buffer,
    },
    dependencies={
        "spots": SpotService,
        "visitors": VisitorService,
        "tourism": TourismService,
        "gates": GateService,
        "idempotency": Idempotency,
    },
    # The payment feature tells this service of its holds' payments through the shared outbox.
    outbox_handlers={topic(OWNER): lambda w: owner_handler(w.get(TourismService).on_payment)},
    on_startup=(_seed_on_start,),
    background=_background,
    personal_data=PERSONAL_DATA,
)
