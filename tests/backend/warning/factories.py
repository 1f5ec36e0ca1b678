"""Warnings on PostgreSQL: publishers bound to an organisation, subscribed citizens, and fan-outs built
as the feature builds them but over settings and a clock of the test's own, driven step by step."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from litestar import Litestar

from backend.account_link.service import AccountLinkService
from backend.citizen.contacts import CitizenContacts
from backend.clock import Clock
from backend.notification.service import NotificationService
from backend.warning.fanout import ChannelRate, Fanout
from backend.warning.repository import WarningRepository
from backend.warning.service import WarningService
from backend.warning.settings import WarningSettings
from tests.backend.staff.factories import bearer, operator_principal, staff_login
from tests.services import Services


async def publisher(
    app: Litestar, services: Services, organisation: str = "meteorological"
) -> dict[str, str]:
    """A signed-in publisher bound to ``organisation``: its headers."""
    row, _, session, _ = await staff_login(app, services, role="publisher")
    await services.wiring.get(WarningService).bind_publisher(row.id, organisation, by=operator_principal())
    return bearer(session["access_token"])


async def subscribe(web: httpx.AsyncClient, headers: dict[str, str], *districts: str) -> None:
    answer = await web.put(
        "/api/v1/warnings/subscription", json={"districts": list(districts)}, headers=headers
    )
    assert answer.status_code == 200, answer.text


def warning_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "kind": "暴雨",
        "level": "red",
        "districts": ["宿城区"],
        "text": "预计未来3小时宿城区降雨量将达100毫米以上，请停止户外活动。",
        "valid_until": (datetime.now(UTC) + timedelta(hours=12)).isoformat(),
    }
    return {**body, **overrides}


def fanout(
    services: Services,
    *,
    clock: Clock | None = None,
    repository: WarningRepository | None = None,
    **settings: Any,
) -> Fanout:
    """A fan-out worker's machinery as ``backend.warning.feature`` builds it: a new one is a restarted
    worker (nothing of the last one's memory survives)."""
    w = services.wiring
    chosen = WarningSettings(in_process=False, **settings)
    clock = clock or w.infra.clock
    return Fanout(
        repository=repository or WarningRepository(w.infra.engine),
        notifications=w.get(NotificationService),
        links=w.get(AccountLinkService),
        contacts=w.get(CitizenContacts),
        sms=w.infra.upstreams.sms,
        wechat=w.infra.upstreams.wechat,
        rate=ChannelRate(
            w.infra.store, {"sms": chosen.sms_per_second, "wechat": chosen.wechat_per_second}, clock
        ),
        settings=chosen,
        miniprogram_state="formal",
        clock=clock,
        engine=w.infra.engine,
    )


async def run_until_idle(worker: Fanout, *, rounds: int = 1000) -> None:
    """Plan and send until no step finds work (bounded, so a bug is a failure, not a hang)."""
    for _ in range(rounds):
        busy = await worker.plan_step()
        for channel in worker.channels:
            busy += await worker.send_step(channel)
        if not busy:
            return
    raise AssertionError(f"the fan-out still had work after {rounds} rounds")


def warning_id(answer: httpx.Response) -> uuid.UUID:
    assert answer.status_code == 201, answer.text
    return uuid.UUID(answer.json()["id"])
