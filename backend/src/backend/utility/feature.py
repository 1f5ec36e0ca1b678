"""The utility feature: water, electricity and gas bills paid through the payment feature."""

from __future__ import annotations

from backend.feature import Feature
from backend.idempotency import Idempotency
from backend.notification.service import NotificationService
from backend.payment.owners import owner_handler, topic
from backend.payment.refunds import RefundService
from backend.payment.service import PaymentService
from backend.utility.controller import UtilityController
from backend.utility.notices import NOTICES
from backend.utility.privacy import PERSONAL_DATA
from backend.utility.repository import UtilityRepository
from backend.utility.service import OWNER, UtilityService
from backend.wiring import Wiring


def _utilities(w: Wiring) -> UtilityService:
    infra = w.infra
    return UtilityService(
        repository=UtilityRepository(infra.engine),
        client=infra.upstreams.utility,
        payments=w.get(PaymentService),
        refunds=w.get(RefundService),
        notifications=w.get(NotificationService),
        audit=infra.audit,
        clock=infra.clock,
        engine=infra.engine,
    )


FEATURE = Feature(
    name="utility",
    routes=(UtilityController,),
    piccolo_app="backend.utility.piccolo_app",
    services={UtilityService: _utilities},
    dependencies={"utilities": UtilityService, "idempotency": Idempotency},
    # The payment feature tells this service of its bills' payments through the outbox.
    outbox_handlers={topic(OWNER): lambda w: owner_handler(w.get(UtilityService).on_payment)},
    notices=NOTICES,
    personal_data=PERSONAL_DATA,
)
