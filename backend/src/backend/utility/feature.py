"""The utility feature: water, electricity and gas bills paid through the payment feature."""

from __future__ import annotations

from backend.feature import Feature
from backend.idempotency import Idempotency
from backend.payment.service import PaymentService
from backend.utility.controller import UtilityController
from backend.utility.repository import UtilityRepository
from backend.utility.service import OWNER, UtilityService
from backend.wiring import Wiring


def _utilities(w: Wiring) -> UtilityService:
    infra = w.infra
    payments = w.get(PaymentService)
    service = UtilityService(
        repository=UtilityRepository(infra.engine),
        client=infra.upstreams.utility,
        payments=payments,
        audit=infra.audit,
        clock=infra.clock,
        engine=infra.engine,
    )
    # The seam to the outbox: the payment feature tells this service of its bills' payments.
    payments.notices.register(OWNER, service.on_payment)
    return service


FEATURE = Feature(
    name="utility",
    routes=(UtilityController,),
    piccolo_app="backend.utility.piccolo_app",
    services={UtilityService: _utilities},
    dependencies={"utilities": UtilityService, "idempotency": Idempotency},
)
