"""Subscribe messages through the shared outbox to a citizen with a linked WeChat account: third in
line, then called to the counter — received by the WeChat sandbox twin, each once."""

from __future__ import annotations

import asyncio
import uuid

import httpx

from backend.clock import SystemClock
from backend.outbox.feature import handlers
from backend.outbox.repository import OutboxRepository
from backend.outbox.service import Outbox
from backend.outbox.settings import OutboxSettings
from backend.outbox.worker import OutboxWorker
from backend.queues.notices import TOPIC
from integrations.wechat import WeChatTwinState, sandbox_openid
from tests.backend.citizen.factories import bearer, register, request_code, web
from tests.backend.queues.factories import citizen, counters, make_hall, tickets
from tests.backend.staff.factories import operator_principal
from tests.miniprogram_api.sandbox_users import fresh_n, wechat_code
from tests.services import Services

__all__ = ["web"]


def _twin(services: Services) -> WeChatTwinState:
    sandbox = services.wiring.infra.upstreams.sandbox
    assert sandbox is not None
    state = sandbox.state("wechat")
    assert isinstance(state, WeChatTwinState)
    return state


async def _linked_citizen(web: httpx.AsyncClient) -> tuple[uuid.UUID, str]:
    """A registered citizen who linked their WeChat account (the mini program's login code and a
    step-up SMS code): their id and openid."""
    me = await register(web)
    phone, n = me["_person"]["phone"], fresh_n()
    linked = await web.post(
        "/mp/v1/links/wechat",
        json={"code": wechat_code(n), "phone": phone, "sms_code": await request_code(web, phone, "bind")},
        headers=bearer(me["tokens"]["access_token"]),
    )
    assert linked.status_code == 201, linked.text
    return uuid.UUID(me["citizen"]["id"]), sandbox_openid(n)


async def test_third_in_line_and_called_reach_the_linked_wechat_user_once(
    services: Services, web: httpx.AsyncClient
) -> None:
    who, openid = await _linked_citizen(web)
    world = await make_hall(services)
    service = world.services[0].id
    for _ in range(3):
        await tickets(services).walk_in(citizen(), service_id=service, hall_code=world.code)
    mine = await tickets(services).walk_in(who, service_id=service, hall_code=world.code)  # 4th
    operator, desk = operator_principal(), world.counters[0].id
    await counters(services).call_next(operator, desk)  # now third
    for _ in range(3):
        await counters(services).call_next(operator, desk)  # the last of these calls them
    twin = _twin(services)
    wanted = {"sandbox-tpl-queue-third", "sandbox-tpl-queue-called"}
    # An outbox worker as the app runs them (the test app runs none in-process), every topic's handler.
    worker = OutboxWorker(
        "queue notices test",
        repository=OutboxRepository(services.engine),
        handlers=handlers(services.wiring),
        settings=OutboxSettings(poll_interval=0.02, batch=50, lease_seconds=30),
        clock=SystemClock(),
        cipher=services.wiring.infra.cipher,
    )
    running = asyncio.ensure_future(worker.run())
    try:
        for _ in range(200):
            theirs = [m for m in twin.sent if m["touser"] == openid]
            if {m["template_id"] for m in theirs} >= wanted:
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)  # a second send would show by now
        theirs = [m for m in twin.sent if m["touser"] == openid]
    finally:
        worker.stop()
        await asyncio.wait_for(running, 30)
    assert sorted(m["template_id"] for m in theirs) == sorted(wanted)  # each once
    called = next(m for m in theirs if m["template_id"] == "sandbox-tpl-queue-called")
    assert called["data"] == {"thing1": {"value": mine.label}, "thing2": {"value": "1号窗口"}}
    job = await services.wiring.get(Outbox).find(TOPIC, f"queue:{mine.id}:called")
    assert job is not None
    assert job.state == "done"
