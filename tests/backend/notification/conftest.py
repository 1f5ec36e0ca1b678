"""Notifications on PostgreSQL: registered citizens, a WeChat link when a test needs one, and the
notification services built over the session's wiring — with a clock the test moves when quiet hours
matter. The session runs no outbox workers: a test runs the sender itself, so it decides when (and how
often) a job runs."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from backend.account_link.service import AccountLinkService
from backend.audit.service import AuditLog
from backend.clock import Clock
from backend.notices import Template
from backend.notification.registry import TemplateRegistry
from backend.notification.repository import NotificationRepository
from backend.notification.sender import Sender
from backend.notification.service import TOPIC, NotificationService
from backend.notification.settings import NotificationSettings
from backend.outbox.jobs import ClaimedJob, payload_column
from backend.outbox.repository import OutboxRepository
from backend.outbox.service import Outbox
from backend.outbox.settings import OutboxSettings
from integrations.alipay import AlipayTwinState, sandbox_open_id
from integrations.sms.twin import SmsState
from integrations.wechat import WeChatTwinState, sandbox_openid
from tests.backend.auth.clock import ManualClock
from tests.backend.citizen.factories import bearer, register, request_code, web
from tests.miniprogram_api.sandbox_users import alipay_code, fresh_n, wechat_code
from tests.services import Services

__all__ = ["web"]


@dataclass(frozen=True)
class Person:
    id: uuid.UUID
    headers: dict[str, str]
    phone: str


async def person(web: httpx.AsyncClient) -> Person:
    registered = await register(web)
    return Person(
        uuid.UUID(registered["citizen"]["id"]),
        bearer(registered["tokens"]["access_token"]),
        registered["_person"]["phone"],
    )


async def link_wechat(web: httpx.AsyncClient, who: Person) -> str:
    """Link a fresh sandbox WeChat user to ``who``; their openid."""
    n = fresh_n()
    step_up = {"phone": who.phone, "sms_code": await request_code(web, who.phone, "bind")}
    linked = await web.post(
        "/mp/v1/links/wechat", json={"code": wechat_code(n), **step_up}, headers=who.headers
    )
    assert linked.status_code == 201, linked.text
    return sandbox_openid(n)


async def link_alipay(web: httpx.AsyncClient, who: Person) -> str:
    """Link a fresh sandbox Alipay user to ``who``; their open_id."""
    n = fresh_n()
    step_up = {"phone": who.phone, "sms_code": await request_code(web, who.phone, "bind")}
    linked = await web.post(
        "/mp/v1/links/alipay", json={"auth_code": alipay_code(n), **step_up}, headers=who.headers
    )
    assert linked.status_code == 201, linked.text
    return sandbox_open_id(n)


def alipay_twin(services: Services) -> AlipayTwinState:
    assert services.upstreams.sandbox is not None
    state = services.upstreams.sandbox.state("alipay")
    assert isinstance(state, AlipayTwinState)
    return state


async def allow(web: httpx.AsyncClient, who: Person, template: str, platform: str = "wechat") -> int:
    answer = await web.post(
        "/api/v1/notifications/subscriptions",
        json={"template": template, "platform": platform},
        headers=who.headers,
    )
    assert answer.status_code == 201, answer.text
    remaining: int = answer.json()["remaining"]
    return remaining


async def no_quiet_hours(web: httpx.AsyncClient, who: Person) -> None:
    """Tests that send at once must not depend on the time of day they run at."""
    answer = await web.put(
        "/api/v1/notifications/preferences", json={"quiet_hours": None}, headers=who.headers
    )
    assert answer.status_code == 200, answer.text


def wechat_twin(services: Services) -> WeChatTwinState:
    assert services.upstreams.sandbox is not None
    state = services.upstreams.sandbox.state("wechat")
    assert isinstance(state, WeChatTwinState)
    return state


def sms_twin(services: Services) -> SmsState:
    assert services.upstreams.sandbox is not None
    state = services.upstreams.sandbox.state("sms")
    assert isinstance(state, SmsState)
    return state


def texts_to(services: Services, phone: str) -> list[str]:
    return [m.text for m in sms_twin(services).outbox if m.phone == phone]


def notifications(
    services: Services, clock: Clock | None = None, *, extra: tuple[Template, ...] = ()
) -> NotificationService:
    """The service as the feature builds it, over ``clock`` (the session's by default), knowing the
    app's templates and ``extra`` ones."""
    w = services.wiring
    clock = clock or w.infra.clock
    settings = w.section(NotificationSettings)
    registry = w.get(TemplateRegistry)
    return NotificationService(
        repository=NotificationRepository(w.infra.engine),
        registry=TemplateRegistry([*registry.all(), *extra], settings),
        outbox=Outbox(
            repository=OutboxRepository(w.infra.engine),
            settings=w.section(OutboxSettings),
            audit=w.get(AuditLog),
            clock=clock,
            engine=w.infra.engine,
            cipher=w.infra.cipher,
        ),
        links=w.get(AccountLinkService),
        settings=settings,
        clock=clock,
        engine=w.infra.engine,
    )


def sender(services: Services) -> Sender:
    return services.wiring.get(Sender)


async def job_of(services: Services, key: str, *, attempt: int = 1) -> ClaimedJob:
    """The outbox job a notice ``key`` made, as a worker would hold it."""
    job = await services.wiring.get(Outbox).find(TOPIC, f"notification:{key}")
    assert job is not None
    # Sealed at rest; a worker opens it before the handler runs.
    payload = services.wiring.infra.cipher.open(job.payload, column=payload_column(job.topic, job.key))
    return ClaimedJob(
        id=job.id, topic=job.topic, key=job.key, payload=payload, attempt=attempt,
        max_attempts=job.max_attempts, lease="test",
    )  # fmt: skip


def fresh_key(cause: str = "test") -> str:
    return f"{cause}:{uuid.uuid4()}"


def at_beijing(hour: int, minute: int = 0) -> ManualClock:
    """A clock at ``hour:minute`` Beijing time on a fixed day (UTC+8)."""
    return ManualClock(datetime(2026, 12, 3, (hour - 8) % 24, minute, tzinfo=UTC))


def status_data(**overrides: Any) -> dict[str, Any]:
    return {
        "application_id": uuid.uuid4(),
        "item": "居住证办理",
        "status": "已受理",
        "at": datetime(2026, 12, 3, 2, 30, tzinfo=UTC),
        "note": "请留意后续进度",
        **overrides,
    }
