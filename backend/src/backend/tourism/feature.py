"""The tourism feature: scenic spots, timed real-name tickets that can't oversell, payment through
the payment feature, rotating signed e-tickets redeemed once at the gate."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable, Iterable

from backend.auth.tokens import TokenService
from backend.background import Job, Periodic
from backend.citizen.service import CitizenService
from backend.code.scanning import ScanService
from backend.code.tasks import AuditBuffer
from backend.feature import Feature
from backend.idempotency import Idempotency
from backend.notification.service import NotificationService
from backend.payment.owners import owner_handler, topic
from backend.payment.refunds import RefundService
from backend.payment.service import PaymentService
from backend.tourism.controller import (
    TourismAdminController,
    TourismAdmissionAdminController,
    TourismCitizenController,
    TourismGateController,
    TourismGateFlagController,
    TourismOfflineGateController,
    TourismPublicController,
    TourismWaitlistController,
)
from backend.tourism.controller.early import SoldOutEarly
from backend.tourism.errors import SpotExists
from backend.tourism.gates import GateService
from backend.tourism.notices import NOTICES
from backend.tourism.offline import OfflineGates
from backend.tourism.privacy import PERSONAL_DATA
from backend.tourism.reconcile import reconcile
from backend.tourism.repository.catalogue import CatalogueRepository
from backend.tourism.repository.offline import OfflineRepository
from backend.tourism.repository.sales import SalesRepository
from backend.tourism.repository.waitlist import WaitlistRepository
from backend.tourism.seed import SEED
from backend.tourism.service import OWNER, TourismService
from backend.tourism.settings import TourismSettings
from backend.tourism.signing import TicketSigner
from backend.tourism.spots import SpotService
from backend.tourism.visitors import VisitorService
from backend.tourism.waitlist import WaitlistService
from backend.wiring import Wiring

log = logging.getLogger("backend.tourism")


def _spots(w: Wiring) -> SpotService:
    infra = w.infra
    spots = SpotService(
        repository=CatalogueRepository(infra.engine),
        audit=infra.audit,
        clock=infra.clock,
        days_ahead=w.section(TourismSettings).days_ahead,
    )

    async def places_back(slots: Iterable[uuid.UUID]) -> None:
        # Looked up when places come back: the selling service is built over this one.
        await w.get(TourismService).places_back(slots)

    spots.places_back = places_back
    return spots


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
    settings = w.section(TourismSettings)
    service = TourismService(
        sales=SalesRepository(infra.engine),
        spots=w.get(SpotService),
        visitors=w.get(VisitorService),
        payments=w.get(PaymentService),
        refunds=w.get(RefundService),
        store=infra.store,
        idempotency=infra.idempotency,
        settings=settings,
        audit=infra.audit,
        clock=infra.clock,
        engine=infra.engine,
        data_key=infra.settings.secrets.data_key,
    )
    # Built with the service it offers through, which offers to it first when places come back.
    service.waitlist = WaitlistService(
        repository=WaitlistRepository(infra.engine),
        tourism=service,
        spots=w.get(SpotService),
        sales=SalesRepository(infra.engine),
        notifications=w.get(NotificationService),
        engine=infra.engine,
        clock=infra.clock,
        offer_ttl=settings.offer_ttl,
    )
    return service


def _sold_out_early(w: Wiring) -> SoldOutEarly:
    return SoldOutEarly(w.get(TokenService), w.get(TourismService).flags)


def _waitlist(w: Wiring) -> WaitlistService:
    waitlist = w.get(TourismService).waitlist
    assert waitlist is not None
    return waitlist


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


def _offline(w: Wiring) -> OfflineGates:
    infra = w.infra
    return OfflineGates(
        repository=OfflineRepository(infra.engine),
        sales=SalesRepository(infra.engine),
        gates=w.get(GateService),
        audit=infra.audit,
        clock=infra.clock,
        settle=w.section(TourismSettings).feed_settle,
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


def _reconcile(w: Wiring) -> Callable[[], Awaitable[None]]:
    sales, clock = SalesRepository(w.infra.engine), w.infra.clock

    async def step() -> None:
        await reconcile(sales, clock)

    return step


def _background(w: Wiring) -> list[Job]:
    settings = w.section(TourismSettings)
    return [
        w.get(_RedeemAudit),
        Periodic("tourism hold expiry", every=settings.sweep_every, step=w.get(TourismService).sweep),
        Periodic("tourism slots ahead", every=3600.0, step=w.get(SpotService).materialise),
        Periodic("tourism reconciliation", every=60.0, step=_reconcile(w)),
        Periodic("tourism waitlist offers", every=settings.sweep_every, step=w.get(WaitlistService).retry),
    ]


FEATURE = Feature(
    name="tourism",
    routes=(
        TourismPublicController,
        TourismCitizenController,
        TourismWaitlistController,
        TourismGateController,
        TourismOfflineGateController,
        TourismAdminController,
        TourismGateFlagController,
        TourismAdmissionAdminController,
    ),
    piccolo_app="backend.tourism.piccolo_app",
    settings=TourismSettings,
    services={
        SpotService: _spots,
        VisitorService: _visitors,
        TourismService: _tourism,
        GateService: _gates,
        OfflineGates: _offline,
        WaitlistService: _waitlist,
        _RedeemAudit: _audit_buffer,
    },
    dependencies={
        "spots": SpotService,
        "visitors": VisitorService,
        "tourism": TourismService,
        "gates": GateService,
        "offline": OfflineGates,
        "waitlist": WaitlistService,
        "idempotency": Idempotency,
    },
    # The payment feature tells this service of its holds' payments through the shared outbox.
    outbox_handlers={topic(OWNER): lambda w: owner_handler(w.get(TourismService).on_payment)},
    notices=NOTICES,
    on_startup=(_seed_on_start,),
    background=_background,
    personal_data=PERSONAL_DATA,
    # A flash sale's losers at a sold-out slot, answered before routing (``controller/early.py``).
    early=(_sold_out_early,),
)
