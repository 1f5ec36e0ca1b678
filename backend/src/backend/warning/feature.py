"""The warning feature: disaster warnings (智慧氣象, 防汛) published by the meteorological bureau and
the water authority, shown to citizens for their districts, orange and red ones pushed to them in a
resumable, rate-limited fan-out (``backend.warning.fanout``)."""

from __future__ import annotations

from collections.abc import Sequence

from backend.account_link.service import AccountLinkService
from backend.background import Job
from backend.citizen.contacts import CitizenContacts
from backend.feature import Feature
from backend.notification.service import NotificationService
from backend.notification.settings import NotificationSettings
from backend.staff.service import StaffService
from backend.warning.controller import WarningController
from backend.warning.fanout import ChannelRate, Fanout, FanoutWorker
from backend.warning.notices import NOTICES
from backend.warning.privacy import PERSONAL_DATA
from backend.warning.repository import WarningRepository
from backend.warning.service import WarningService
from backend.warning.settings import WarningSettings
from backend.wiring import Wiring


def _warnings(w: Wiring) -> WarningService:
    infra = w.infra
    return WarningService(
        repository=WarningRepository(infra.engine),
        staff=w.get(StaffService),
        audit=infra.audit,
        clock=infra.clock,
        engine=infra.engine,
    )


def _fanout(w: Wiring) -> Fanout:
    infra = w.infra
    settings = w.section(WarningSettings)
    return Fanout(
        repository=WarningRepository(infra.engine),
        notifications=w.get(NotificationService),
        links=w.get(AccountLinkService),
        contacts=w.get(CitizenContacts),
        sms=infra.upstreams.sms,
        wechat=infra.upstreams.wechat,
        rate=ChannelRate(
            infra.store,
            {"sms": settings.sms_per_second, "wechat": settings.wechat_per_second},
            infra.clock,
        ),
        settings=settings,
        miniprogram_state=w.section(NotificationSettings).miniprogram_state,
        clock=infra.clock,
        engine=infra.engine,
    )


def _jobs(w: Wiring) -> Sequence[Job]:
    settings = w.section(WarningSettings)
    if not settings.in_process:
        return []
    return [FanoutWorker(w.get(Fanout), poll=settings.poll_seconds)]


FEATURE = Feature(
    name="warning",
    routes=(WarningController,),
    piccolo_app="backend.warning.piccolo_app",
    settings=WarningSettings,
    services={WarningService: _warnings, Fanout: _fanout},
    dependencies={"warnings": WarningService},
    background=_jobs,
    notices=NOTICES,
    personal_data=PERSONAL_DATA,
)
