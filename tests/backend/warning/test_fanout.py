"""A warning's fan-out on PostgreSQL: exactly the subscribed citizens, once each, across a worker that
dies mid-batch and a new one that takes over; opt-outs and quiet hours from the notification feature."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from litestar import Litestar

from backend.warning.repository import WarningRepository
from tests.backend.auth.clock import ManualClock
from tests.backend.notification.conftest import (
    Person,
    link_wechat,
    no_quiet_hours,
    person,
    sms_twin,
    wechat_twin,
)
from tests.backend.warning.factories import (
    fanout,
    publisher,
    run_until_idle,
    subscribe,
    warning_body,
    warning_id,
)
from tests.services import Services

WARNING_SMS = "SQ_DISASTER_WARNING"


class _DiesAfterSending(WarningRepository):
    """A worker killed after the gateway took its batch and before it recorded the outcome."""

    async def settle(self, *args: Any, **kwargs: Any) -> None:
        raise RuntimeError("worker killed")


def _warning_texts(services: Services) -> dict[str, int]:
    counts: dict[str, int] = {}
    for message in sms_twin(services).outbox:
        if message.template_code == WARNING_SMS:
            counts[message.phone] = counts.get(message.phone, 0) + 1
    return counts


def _wechat_sent(services: Services, warning: uuid.UUID) -> dict[str, int]:
    counts: dict[str, int] = {}
    for sent in wechat_twin(services).sent:
        if sent["template_id"] == "sandbox-tpl-warning" and str(warning) in (sent.get("page") or ""):
            counts[sent["touser"]] = counts.get(sent["touser"], 0) + 1
    return counts


async def _citizens(web: httpx.AsyncClient, n: int, *districts: str) -> list[Person]:
    people = [await person(web) for _ in range(n)]
    for who in people:
        await no_quiet_hours(web, who)
        await subscribe(web, who.headers, *districts)
    return people


async def test_a_red_warning_reaches_exactly_the_subscribed_citizens_once_across_a_worker_restart(
    app: Litestar, services: Services, web: httpx.AsyncClient
) -> None:
    headers = await publisher(app, services)
    told = await _citizens(web, 5, "宿城区")
    both = await _citizens(web, 1, "宿城区", "沭阳县")  # two matching districts: still one message
    elsewhere = await _citizens(web, 1, "宿豫区")
    nowhere = await person(web)  # chose no district
    opted_out = (await _citizens(web, 1, "宿城区"))[0]
    off = await web.put(
        "/api/v1/notifications/preferences",
        json={"categories": {"warning": {"sms": False, "wechat": False}}, "quiet_hours": None},
        headers=opted_out.headers,
    )
    assert off.status_code == 200, off.text
    on_wechat = (await _citizens(web, 1, "宿城区"))[0]
    openid = await link_wechat(web, on_wechat)
    # Other tests' citizens may be subscribed to 宿城区 too: count ours only.
    ours = {p.phone for p in [*told, *both]}

    warning = warning_id(await web.post("/api/v1/warnings", json=warning_body(), headers=headers))

    # The first worker plans two batches of 2 citizens and then dies mid-batch, after the gateway
    # took its SMS and before it recorded them.
    first = fanout(services, plan_batch=2, send_batch=3, repository=_DiesAfterSending(services.engine))
    assert await first.plan_step() == 2
    assert await first.plan_step() == 2
    try:
        await first.send_step("sms")
    except RuntimeError:
        pass
    else:
        raise AssertionError("the first worker should have died")
    taken = sum(_warning_texts(services).get(phone, 0) for phone in ours)
    assert taken > 0  # the dead worker's batch did reach the gateway

    # A new worker, after the dead one's lease ran out, finishes the job.
    later = ManualClock(datetime.now(UTC) + timedelta(seconds=120))
    second = fanout(services, plan_batch=2, send_batch=3, clock=later)
    await run_until_idle(second)

    texts = _warning_texts(services)
    assert {phone: texts.get(phone, 0) for phone in ours} == dict.fromkeys(ours, 1)
    for never in (elsewhere[0].phone, nowhere.phone, opted_out.phone, on_wechat.phone):
        assert texts.get(never, 0) == 0
    assert _wechat_sent(services, warning) == {openid: 1}

    progress = await web.get(f"/api/v1/warnings/{warning}/progress", headers=headers)
    assert progress.status_code == 200, progress.text
    body = progress.json()
    assert body["state"] == "done"
    sms, wechat = body["channels"]["sms"], body["channels"]["wechat"]
    assert sms["pending"] == wechat["pending"] == 0
    assert sms["opted_out"] >= 1
    assert sms["failed"] == 0
    assert wechat["sent"] >= 1


async def test_widening_a_warning_tells_only_the_newly_covered_citizens(
    app: Litestar, services: Services, web: httpx.AsyncClient
) -> None:
    headers = await publisher(app, services)
    first_area = await _citizens(web, 2, "泗洪县")
    second_area = await _citizens(web, 2, "泗阳县")
    warning = warning_id(
        await web.post(
            "/api/v1/warnings", json=warning_body(kind="大风", districts=["泗洪县"]), headers=headers
        )
    )
    worker = fanout(services)
    await run_until_idle(worker)
    widened = await web.patch(
        f"/api/v1/warnings/{warning}", json={"districts": ["泗洪县", "泗阳县"]}, headers=headers
    )
    assert widened.status_code == 200, widened.text
    await run_until_idle(fanout(services))
    texts = _warning_texts(services)
    assert {p.phone: texts.get(p.phone, 0) for p in [*first_area, *second_area]} == {
        p.phone: 1 for p in [*first_area, *second_area]
    }


async def test_an_orange_warning_waits_out_quiet_hours_and_a_red_one_does_not(
    app: Litestar, services: Services, web: httpx.AsyncClient
) -> None:
    headers = await publisher(app, services)
    sleeper = await person(web)
    await subscribe(web, sleeper.headers, "洋河新区")
    beijing = datetime.now(UTC) + timedelta(hours=8)
    start, end = (beijing - timedelta(hours=1)), (beijing + timedelta(hours=1))
    quiet = {"start": start.strftime("%H:%M"), "end": end.strftime("%H:%M")}
    set_quiet = await web.put(
        "/api/v1/notifications/preferences", json={"quiet_hours": quiet}, headers=sleeper.headers
    )
    assert set_quiet.status_code == 200, set_quiet.text
    body = warning_body(kind="高温", districts=["洋河新区"], level="orange")
    orange = warning_id(await web.post("/api/v1/warnings", json=body, headers=headers))
    await run_until_idle(fanout(services))
    assert _warning_texts(services).get(sleeper.phone, 0) == 0
    progress = (await web.get(f"/api/v1/warnings/{orange}/progress", headers=headers)).json()
    assert progress["channels"]["sms"]["pending"] >= 1

    red = warning_body(kind="雷电", districts=["洋河新区"], level="red")
    warning_id(await web.post("/api/v1/warnings", json=red, headers=headers))
    await run_until_idle(fanout(services))
    assert _warning_texts(services).get(sleeper.phone, 0) == 1

    after_quiet = ManualClock(datetime.now(UTC) + timedelta(hours=2))
    await run_until_idle(fanout(services, clock=after_quiet))
    assert _warning_texts(services).get(sleeper.phone, 0) == 2
