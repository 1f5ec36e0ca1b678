"""The notification feature: notices other features send citizens (``NotificationService.notify``,
inside their state change's transaction), delivered through the shared outbox over WeChat, Alipay or
SMS, and the citizen's inbox, preferences and authorisations."""

from __future__ import annotations

import uuid

from backend.account_link.service import AccountLinkService
from backend.citizen.contacts import CitizenContacts
from backend.feature import Feature
from backend.idempotency import Idempotency
from backend.notification.controller import NotificationController
from backend.notification.privacy import PERSONAL_DATA
from backend.notification.registry import TemplateRegistry
from backend.notification.repository import NotificationRepository
from backend.notification.sender import Sender
from backend.notification.service import TOPIC, NotificationService
from backend.notification.settings import NotificationSettings
from backend.organisation.service import OrganisationService
from backend.outbox.service import Outbox
from backend.wiring import Wiring


def _registry(w: Wiring) -> TemplateRegistry:
    declared = [template for feature in w.features for template in feature.notices]
    return TemplateRegistry(declared, w.section(NotificationSettings))


def _notifications(w: Wiring) -> NotificationService:
    infra = w.infra
    return NotificationService(
        repository=NotificationRepository(infra.engine),
        registry=w.get(TemplateRegistry),
        outbox=w.get(Outbox),
        links=w.get(AccountLinkService),
        settings=w.section(NotificationSettings),
        clock=infra.clock,
        engine=infra.engine,
    )


def _sender(w: Wiring) -> Sender:
    infra = w.infra
    organisations = w.get(OrganisationService)

    async def is_organisation(owner_id: uuid.UUID) -> bool:
        return await organisations.credit_code(owner_id) is not None

    return Sender(
        repository=NotificationRepository(infra.engine),
        notifications=w.get(NotificationService),
        links=w.get(AccountLinkService),
        contacts=w.get(CitizenContacts),
        wechat=infra.upstreams.wechat,
        alipay=infra.upstreams.alipay,
        sms=infra.upstreams.sms,
        settings=w.section(NotificationSettings),
        clock=infra.clock,
        engine=infra.engine,
        is_organisation=is_organisation,
    )


FEATURE = Feature(
    name="notification",
    routes=(NotificationController,),
    piccolo_app="backend.notification.piccolo_app",
    settings=NotificationSettings,
    services={TemplateRegistry: _registry, NotificationService: _notifications, Sender: _sender},
    dependencies={"notifications": NotificationService, "idempotency": Idempotency},
    outbox_handlers={TOPIC: lambda w: w.get(Sender).send},
    personal_data=PERSONAL_DATA,
)
