"""Sending a notice: the channel chosen by authorisation and preference, an authorisation spent once
however many sends race for it, SMS when none is held, and the other side told once per cause even
when the job runs twice."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

import httpx
import pytest

from backend.application.notices import STATUS_CHANGED
from backend.database import transaction
from backend.notification.repository import NotificationRepository
from backend.notification.service import NotificationService
from backend.outbox.jobs import GiveUp, RetryLater
from integrations import UpstreamUnavailable
from tests.backend.notification.conftest import (
    alipay_twin,
    allow,
    fresh_key,
    job_of,
    link_alipay,
    link_wechat,
    no_quiet_hours,
    notifications,
    person,
    sender,
    sms_twin,
    status_data,
    texts_to,
    wechat_twin,
)
from tests.services import Services

TEMPLATE = STATUS_CHANGED.code
WECHAT_ID = "sandbox-tpl-application-status"


async def _notify(service: NotificationService, citizen_id: Any, key: str, **data: Any) -> bool:
    async with transaction(service._engine):
        told = await service.notify(citizen_id, template=TEMPLATE, data=status_data(**data), key=key)
    return told


def _sent_to(services: Services, openid: str) -> list[dict[str, Any]]:
    return [m for m in wechat_twin(services).sent if m["touser"] == openid]


async def test_an_authorised_notice_goes_by_wechat_fitted_to_its_keywords_and_spends_the_authorisation(
    web: httpx.AsyncClient, services: Services
) -> None:
    who = await person(web)
    await no_quiet_hours(web, who)
    openid = await link_wechat(web, who)
    assert await allow(web, who, TEMPLATE) == 1
    service, key = notifications(services), fresh_key()
    long_item = "城乡居民基本医疗保险参保登记（含新生儿、学生及灵活就业人员）"
    assert await _notify(service, who.id, key, item=long_item)
    await sender(services).send(await job_of(services, key))

    [sent] = _sent_to(services, openid)
    assert sent["template_id"] == WECHAT_ID
    data = {k: v["value"] for k, v in sent["data"].items()}
    assert len(data["thing1"]) == 20
    assert data["thing1"].endswith("…")
    assert data["phrase2"] == "已受理"
    assert data["time3"] == "2026年12月03日 10:30"  # Beijing time
    row = await service.find_by_key(key)
    assert row is not None
    assert (row.state, row.channel) == ("sent", "wechat")
    assert long_item in row.body  # the inbox keeps the whole text
    assert not [t for t in texts_to(services, who.phone) if "已受理" in t]  # no SMS beside it
    # The one authorisation is spent: the next notice has none and falls back to SMS.
    second = fresh_key()
    assert await _notify(service, who.id, second)
    await sender(services).send(await job_of(services, second))
    assert len(_sent_to(services, openid)) == 1
    row = await service.find_by_key(second)
    assert row is not None
    assert (row.state, row.channel) == ("sent", "sms")


async def test_with_wechat_turned_off_an_alipay_authorisation_carries_it(
    web: httpx.AsyncClient, services: Services
) -> None:
    who = await person(web)
    await link_wechat(web, who)
    open_id = await link_alipay(web, who)
    await allow(web, who, TEMPLATE, "wechat")
    await allow(web, who, TEMPLATE, "alipay")
    chosen = await web.put(
        "/api/v1/notifications/preferences",
        json={"categories": {"application": {"wechat": False}}, "quiet_hours": None},
        headers=who.headers,
    )
    assert chosen.status_code == 200, chosen.text
    service, key = notifications(services), fresh_key()
    assert await _notify(service, who.id, key, item="生育登记", status="已办结")
    await sender(services).send(await job_of(services, key))
    row = await service.find_by_key(key)
    assert row is not None
    assert (row.state, row.channel) == ("sent", "alipay")
    [sent] = [m for m in alipay_twin(services).messages.sent if m["to"] == open_id]
    assert sent["user_template_id"] == "sandbox-ali-application-status"
    assert sent["data"]["keyword1"] == "生育登记"
    assert sent["page"].startswith("pages/applications/detail?id=")
    grants = await service.grants(who.id)
    assert grants[("alipay", TEMPLATE)] == 0
    assert grants[("wechat", TEMPLATE)] == 1  # turned off: not spent


async def test_without_an_authorisation_the_notice_goes_by_sms_with_the_signature(
    web: httpx.AsyncClient, services: Services
) -> None:
    who = await person(web)
    await no_quiet_hours(web, who)
    service, key = notifications(services), fresh_key()
    assert await _notify(service, who.id, key, item="居住证办理", status="已办结")
    await sender(services).send(await job_of(services, key))
    assert texts_to(services, who.phone)[-1] == "【我的宿迁】您申请的“居住证办理”办件状态已更新为：已办结。"
    row = await service.find_by_key(key)
    assert row is not None
    assert (row.state, row.channel) == ("sent", "sms")
    assert row.upstream_id is not None
    assert row.upstream_id.startswith("SMS")


async def test_a_channel_turned_off_is_skipped_with_the_reason_and_the_message_stays_in_the_inbox(
    web: httpx.AsyncClient, services: Services
) -> None:
    who = await person(web)
    off = {"wechat": False, "alipay": False, "sms": False}
    chosen = await web.put(
        "/api/v1/notifications/preferences",
        json={"categories": {"application": off}, "quiet_hours": None},
        headers=who.headers,
    )
    assert chosen.status_code == 200, chosen.text
    assert chosen.json()["categories"]["application"] == off
    service, key = notifications(services), fresh_key()
    before = len(sms_twin(services).outbox)
    assert await _notify(service, who.id, key)
    await sender(services).send(await job_of(services, key))
    assert len(sms_twin(services).outbox) == before
    inbox = (await web.get("/api/v1/notifications", headers=who.headers)).json()["items"]
    [message] = [m for m in inbox if m["state"] == "skipped"]
    assert "sms: turned off in preferences" in message["reason"]
    assert message["body"] == "您申请的“居住证办理”已受理。请留意后续进度"


async def test_one_authorisation_is_spent_once_however_many_sends_race_for_it(
    web: httpx.AsyncClient, services: Services
) -> None:
    who = await person(web)
    await no_quiet_hours(web, who)
    openid = await link_wechat(web, who)
    await allow(web, who, TEMPLATE)
    service = notifications(services)
    keys = [fresh_key() for _ in range(8)]
    for key in keys:
        assert await _notify(service, who.id, key)
    jobs = [await job_of(services, key) for key in keys]
    await asyncio.gather(*(sender(services).send(job) for job in jobs))
    channels = [(await service.find_by_key(key)).channel for key in keys]  # type: ignore[union-attr]
    assert channels.count("wechat") == 1
    assert channels.count("sms") == 7
    assert len(_sent_to(services, openid)) == 1


async def test_spending_is_decided_by_the_database(web: httpx.AsyncClient, services: Services) -> None:
    who = await person(web)
    openid = await link_wechat(web, who)
    for _ in range(3):
        await allow(web, who, TEMPLATE)
    repository = NotificationRepository(services.engine)
    now = services.clock.now()

    async def spend() -> bool:
        async with transaction(services.engine):
            return await repository.spend_grant(
                who.id, platform="wechat", template=TEMPLATE, platform_user=openid, now=now
            )

    spent = await asyncio.gather(*(spend() for _ in range(12)))
    assert spent.count(True) == 3


async def test_the_other_side_gets_one_message_per_cause_even_when_the_job_runs_twice(
    web: httpx.AsyncClient, services: Services
) -> None:
    who = await person(web)
    await no_quiet_hours(web, who)
    openid = await link_wechat(web, who)
    await allow(web, who, TEMPLATE)
    await allow(web, who, TEMPLATE)
    service, key = notifications(services), fresh_key()
    assert await _notify(service, who.id, key)
    assert not await _notify(service, who.id, key)  # the same cause: nothing new
    job = await job_of(services, key)
    await sender(services).send(job)
    await sender(services).send(replace(job, attempt=2))
    assert len(_sent_to(services, openid)) == 1
    grants = await service.grants(who.id)
    assert grants[("wechat", TEMPLATE)] == 1  # one spent, not two


async def test_an_sms_whose_answer_was_lost_is_not_sent_again(
    web: httpx.AsyncClient, services: Services
) -> None:
    who = await person(web)
    await no_quiet_hours(web, who)
    service, key = notifications(services), fresh_key()
    assert await _notify(service, who.id, key, status="审批通过")
    job = await job_of(services, key)
    the_sender = sender(services)
    repository = the_sender._repository
    real_finish = repository.finish

    async def dies_before_recording(*args: Any, **kwargs: Any) -> bool:
        raise ConnectionError("the worker died after the gateway took the text")

    repository.finish = dies_before_recording  # type: ignore[method-assign]
    try:
        with pytest.raises(ConnectionError):
            await the_sender.send(job)
    finally:
        repository.finish = real_finish  # type: ignore[method-assign]
    await the_sender.send(replace(job, attempt=2))  # another worker takes the job over
    assert [t for t in texts_to(services, who.phone) if "审批通过" in t] == [
        "【我的宿迁】您申请的“居住证办理”办件状态已更新为：审批通过。"
    ]
    row = await service.find_by_key(key)
    assert row is not None
    assert row.state == "sent"


async def test_a_withdrawn_wechat_authorisation_falls_back_to_sms_once(
    web: httpx.AsyncClient, services: Services
) -> None:
    who = await person(web)
    await no_quiet_hours(web, who)
    openid = await link_wechat(web, who)
    await allow(web, who, TEMPLATE)
    wechat_twin(services).set_grants(openid, WECHAT_ID, 0)  # the user withdrew it in WeChat's settings
    service, key = notifications(services), fresh_key()
    assert await _notify(service, who.id, key, status="未获批准")
    await sender(services).send(await job_of(services, key))
    row = await service.find_by_key(key)
    assert row is not None
    assert (row.state, row.channel) == ("sent", "sms")
    assert len([t for t in texts_to(services, who.phone) if "未获批准" in t]) == 1
    assert (await service.grants(who.id))[("wechat", TEMPLATE)] == 0  # 43101 believed


async def test_a_wechat_refusal_of_a_repeat_is_not_passed_on_as_a_second_message(
    web: httpx.AsyncClient, services: Services
) -> None:
    who = await person(web)
    await no_quiet_hours(web, who)
    openid = await link_wechat(web, who)
    await allow(web, who, TEMPLATE)
    wechat_twin(services).set_grants(openid, WECHAT_ID, 1)
    service, key = notifications(services), fresh_key()
    assert await _notify(service, who.id, key, status="已办结")
    job = await job_of(services, key)
    the_sender, repository = sender(services), sender(services)._repository
    real_finish = repository.finish

    async def dies_before_recording(*args: Any, **kwargs: Any) -> bool:
        raise ConnectionError("the worker died after WeChat took the message")

    repository.finish = dies_before_recording  # type: ignore[method-assign]
    try:
        with pytest.raises(ConnectionError):
            await the_sender.send(job)
    finally:
        repository.finish = real_finish  # type: ignore[method-assign]
    await the_sender.send(replace(job, attempt=2))  # WeChat answers 43101: the one "allow" was used
    assert len(_sent_to(services, openid)) == 1
    assert not [t for t in texts_to(services, who.phone) if "已办结" in t]
    row = await service.find_by_key(key)
    assert row is not None
    assert row.state == "skipped"
    assert "may have arrived" in row.reason


async def test_wechat_down_is_a_retry_and_a_bad_template_a_give_up(
    web: httpx.AsyncClient, services: Services
) -> None:
    who = await person(web)
    await no_quiet_hours(web, who)
    openid = await link_wechat(web, who)
    await allow(web, who, TEMPLATE)
    service, key = notifications(services), fresh_key()
    assert await _notify(service, who.id, key)
    job = await job_of(services, key)
    await web.post("/_sandbox/wechat/faults", json={"down": True})
    try:
        with pytest.raises(RetryLater):
            await sender(services).send(job)
        row = await service.find_by_key(key)
        assert row is not None
        assert (row.state, row.channel, row.reason) == ("queued", "wechat", "wechat unavailable, retrying")
    finally:
        await web.post("/_sandbox/wechat/faults/reset")
    # The budget's last try times out too (a fake answer: one more real outage would open the breaker
    # the session shares): the message says it failed.
    wx = sender(services)._wechat
    assert wx is not None

    async def times_out(**_: Any) -> None:
        raise UpstreamUnavailable(system="wechat", operation="subscribe_send", reason="timeout")

    real_send, wx.send_subscribe_message = wx.send_subscribe_message, times_out  # type: ignore[method-assign]
    try:
        with pytest.raises(RetryLater):
            await sender(services).send(replace(job, attempt=job.max_attempts))
    finally:
        wx.send_subscribe_message = real_send  # type: ignore[method-assign]
    row = await service.find_by_key(key)
    assert row is not None
    assert (row.state, row.reason) == ("failed", f"wechat unavailable after {job.max_attempts} tries")
    await sender(services).send(
        replace(job, attempt=1)
    )  # an operator's replay, WeChat back up: no second spend
    assert len(_sent_to(services, openid)) == 1
    row = await service.find_by_key(key)
    assert row is not None
    assert row.state == "sent"

    # A template id WeChat does not know is a refusal for good: failed, and dead-lettered.
    assert STATUS_CHANGED.wechat is not None
    unknown_id = replace(STATUS_CHANGED.wechat, template_id="nope")
    bad = replace(STATUS_CHANGED, code="test.bad_template", wechat=unknown_id)
    service = notifications(services, extra=(bad,))
    key = fresh_key()
    async with transaction(services.engine):
        await service.notify(who.id, template=bad.code, data=status_data(), key=key)
    await NotificationRepository(services.engine).add_grant(
        who.id, platform="wechat", template=bad.code, platform_user=openid, now=services.clock.now()
    )
    with pytest.raises(GiveUp):
        await sender(services).send(await job_of(services, key))
    row = await service.find_by_key(key)
    assert row is not None
    assert (row.state, row.reason) == ("failed", "wechat refused: 40037")
