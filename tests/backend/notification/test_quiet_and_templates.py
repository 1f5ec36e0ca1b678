"""Quiet hours (Beijing time, across midnight) with a clock the test moves, urgent notices at once, and
templates fitted to what each platform accepts."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from backend.application.notices import CORRECTION_REQUESTED, STATUS_CHANGED
from backend.database import transaction
from backend.notices import SMS_SIGNATURE, Template, WeChatNotice, fit, sms_segments
from backend.notification.errors import PlatformNotOffered, TemplateNotFound
from backend.notification.quiet import QuietHours
from backend.notification.registry import TemplateRegistry
from backend.notification.service import TOPIC
from backend.notification.settings import NotificationSettings
from backend.outbox.service import Outbox
from tests.backend.notification.conftest import (
    at_beijing,
    fresh_key,
    link_wechat,
    notifications,
    person,
    status_data,
)
from tests.services import Services

CALLED = Template(
    code="test.called",
    category="queue",
    title="请到{counter}办理",
    text="请您到{counter}办理业务。",
    urgent=True,
    wechat=WeChatNotice(template_id="sandbox-tpl-booking", fields={"thing1": "counter"}),
)


def test_quiet_hours_across_midnight_wait_until_they_end() -> None:
    night = QuietHours(22 * 60, 7 * 60)
    beijing = timedelta(hours=8)
    assert night.wait(datetime(2026, 12, 3, 23, 30, tzinfo=UTC) - beijing) == timedelta(hours=7, minutes=30)
    assert night.wait(datetime(2026, 12, 3, 2, 15, tzinfo=UTC) - beijing) == timedelta(hours=4, minutes=45)
    assert night.wait(datetime(2026, 12, 3, 7, 0, tzinfo=UTC) - beijing) == timedelta(0)  # over
    assert night.wait(datetime(2026, 12, 3, 21, 59, tzinfo=UTC) - beijing) == timedelta(0)
    lunch = QuietHours(12 * 60, 13 * 60 + 30)  # a window within one day
    assert lunch.wait(datetime(2026, 12, 3, 12, 10, tzinfo=UTC) - beijing) == timedelta(hours=1, minutes=20)
    assert lunch.wait(datetime(2026, 12, 3, 13, 30, tzinfo=UTC) - beijing) == timedelta(0)
    assert QuietHours(600, 600).wait(datetime(2026, 12, 3, 2, tzinfo=UTC)) == timedelta(0)  # empty


async def test_a_notice_made_in_quiet_hours_waits_for_their_end_and_an_urgent_one_does_not(
    web: httpx.AsyncClient, services: Services
) -> None:
    who = await person(web)  # the default hours: 22:00–07:00 Beijing time
    clock = at_beijing(23, 30)
    service = notifications(services, clock, extra=(CALLED,))
    quiet_key, urgent_key = fresh_key(), fresh_key()
    async with transaction(services.engine):
        await service.notify(who.id, template=STATUS_CHANGED, data=status_data(), key=quiet_key)
        await service.notify(who.id, template=CALLED, data={"counter": "3号窗口"}, key=urgent_key)
    morning = clock.now() + timedelta(hours=7, minutes=30)
    waiting = await service.find_by_key(quiet_key)
    assert waiting is not None
    assert waiting.due_at == morning
    assert waiting.state == "queued"
    job = await services.wiring.get(Outbox).find(TOPIC, f"notification:{quiet_key}")
    assert job is not None
    assert job.due_at == morning
    urgent = await services.wiring.get(Outbox).find(TOPIC, f"notification:{urgent_key}")
    assert urgent is not None
    assert urgent.due_at == clock.now()

    # At 10:00 nothing waits; with quiet hours turned off, nothing waits at night either.
    clock.set(morning + timedelta(hours=3))
    day_key = fresh_key()
    async with transaction(services.engine):
        await service.notify(who.id, template=STATUS_CHANGED, data=status_data(), key=day_key)
    assert (await service.find_by_key(day_key)).due_at == clock.now()  # type: ignore[union-attr]
    await web.put(
        "/api/v1/notifications/preferences",
        json={"quiet_hours": {"start": "23:00", "end": "06:30"}},
        headers=who.headers,
    )
    clock.set(at_beijing(22, 30).now() + timedelta(days=1))
    own_hours = fresh_key()
    async with transaction(services.engine):
        await service.notify(who.id, template=STATUS_CHANGED, data=status_data(), key=own_hours)
    assert (await service.find_by_key(own_hours)).due_at == clock.now()  # type: ignore[union-attr]
    await web.put("/api/v1/notifications/preferences", json={"quiet_hours": None}, headers=who.headers)
    clock.advance(3600)
    none = fresh_key()
    async with transaction(services.engine):
        await service.notify(who.id, template=STATUS_CHANGED, data=status_data(), key=none)
    assert (await service.find_by_key(none)).due_at == clock.now()  # type: ignore[union-attr]


async def test_a_notice_is_owed_only_when_the_state_change_commits(
    web: httpx.AsyncClient, services: Services
) -> None:
    who = await person(web)
    service, key = notifications(services), fresh_key()

    class Abandoned(Exception):
        pass

    async def abandoned() -> None:
        async with transaction(services.engine):
            await service.notify(who.id, template=STATUS_CHANGED, data=status_data(), key=key)
            raise Abandoned

    with pytest.raises(Abandoned):
        await abandoned()
    assert await service.find_by_key(key) is None
    assert await services.wiring.get(Outbox).find(TOPIC, f"notification:{key}") is None


async def test_unknown_templates_missing_data_and_platforms_without_the_message_are_refused(
    web: httpx.AsyncClient, services: Services
) -> None:
    who = await person(web)
    await link_wechat(web, who)
    service = notifications(services, extra=(CALLED,))
    with pytest.raises(TemplateNotFound):
        await service.notify(who.id, template="test.nothing", data={}, key=fresh_key())
    with pytest.raises(ValueError, match="needs"):
        await service.notify(who.id, template=STATUS_CHANGED, data={"item": "x"}, key=fresh_key())
    with pytest.raises(PlatformNotOffered):
        await service.subscribe(who.id, template=CALLED.code, platform="alipay")


def test_values_are_fitted_to_their_wechat_keyword_kind() -> None:
    assert fit("thing1", "一" * 25) == "一" * 19 + "…"
    assert fit("thing1", "第一行\n第二行") == "第一行 第二行"
    assert fit("phrase2", "已受理并转办") == "已受理并转"
    assert fit("character_string3", "SQ-2026-办件-0001") == "SQ-2026--0001"  # ASCII only
    assert fit("character_string3", "A" * 40) == "A" * 32
    assert fit("time4", datetime(2026, 12, 3, 16, 5, tzinfo=UTC)) == "2026年12月04日 00:05"
    assert fit("date5", datetime(2026, 12, 3, 16, 5, tzinfo=UTC)) == "2026年12月04日"
    with pytest.raises(ValueError, match="keyword"):
        fit("colour1", "red")
    with pytest.raises(ValueError, match="keyword"):
        Template(
            code="t.t",
            category="t",
            title="t",
            text="t",
            wechat=WeChatNotice(template_id="x", fields={"foo": "a"}),
        )


def test_the_application_notices_fit_one_sms_segment_with_the_signature() -> None:
    longest_item = "失业登记/失业保险金申领"
    for template in (STATUS_CHANGED, CORRECTION_REQUESTED):
        assert template.sms is not None
        text = template.sms.text.replace("${item}", longest_item).replace("${status}", "不予受理")
        text = text.replace("${note}", "请补充近三个月社保缴纳证明")
        assert sms_segments(text) == 1, len(SMS_SIGNATURE + text)
    assert sms_segments("字" * 64) == 1  # 6 + 64 = 70
    assert sms_segments("字" * 65) == 2  # then 67 a part
    assert sms_segments("字" * 129) == 3


def test_a_deployment_names_its_console_template_ids() -> None:
    settings = NotificationSettings(wechat_template_ids={STATUS_CHANGED.code: "Xc9-real-id"})
    registry = TemplateRegistry([STATUS_CHANGED, replace(CALLED)], settings)
    assert registry.get(STATUS_CHANGED.code).wechat.template_id == "Xc9-real-id"  # type: ignore[union-attr]
    assert registry.get(CALLED.code).wechat.template_id == "sandbox-tpl-booking"  # type: ignore[union-attr]
    with pytest.raises(ValueError, match="twice"):
        TemplateRegistry([STATUS_CHANGED, STATUS_CHANGED], settings)
