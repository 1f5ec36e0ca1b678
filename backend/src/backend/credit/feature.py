"""The credit feature: a citizen's own credit report, public disclosure search, and credit objections
delivered to the credit platform through the outbox and followed to their decision."""

from __future__ import annotations

from collections.abc import Sequence

from backend.background import Job, Periodic
from backend.citizen.service import CitizenService
from backend.credit.controller import CreditController
from backend.credit.notices import OBJECTION_DECIDED
from backend.credit.privacy import PERSONAL_DATA
from backend.credit.repository import CreditRepository
from backend.credit.service import TOPIC, CreditService
from backend.credit.settings import CreditSettings
from backend.feature import Feature
from backend.idempotency import Idempotency
from backend.notification.service import NotificationService
from backend.outbox.service import Outbox
from backend.wiring import Wiring


def _credit(w: Wiring) -> CreditService:
    infra = w.infra
    return CreditService(
        repository=CreditRepository(infra.engine),
        client=infra.upstreams.credit,
        citizens=w.get(CitizenService),
        outbox=w.get(Outbox),
        notifications=w.get(NotificationService),
        cipher=infra.cipher,
        audit=infra.audit,
        clock=infra.clock,
        engine=infra.engine,
    )


def _jobs(w: Wiring) -> Sequence[Job]:
    credit = w.get(CreditService)

    async def poll() -> None:
        await credit.poll()

    every = w.section(CreditSettings).poll_seconds
    return [Periodic("credit objections awaiting a decision", every=every, step=poll)]


FEATURE = Feature(
    name="credit",
    routes=(CreditController,),
    piccolo_app="backend.credit.piccolo_app",
    settings=CreditSettings,
    services={CreditService: _credit},
    dependencies={"credit": CreditService, "idempotency": Idempotency},
    background=_jobs,
    outbox_handlers={TOPIC: lambda w: w.get(CreditService).deliver},
    notices=(OBJECTION_DECIDED,),
    personal_data=PERSONAL_DATA,
)
