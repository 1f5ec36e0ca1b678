"""The one real use: a department moving an application tells its citizen — owed in the move's own
transaction, once per move however often the department calls back, and delivered by the outbox."""

from __future__ import annotations

from typing import Any

import httpx

from tests.backend.application.conftest import cases_twin, eventually, read, workers
from tests.backend.application.test_lifecycle import advance, draft, residence_form
from tests.backend.licence.factories import holder
from tests.backend.notification.conftest import texts_to
from tests.services import Services


async def _inbox(web: httpx.AsyncClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    answer = await web.get("/api/v1/notifications", headers=headers)
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


async def test_the_department_moving_an_application_tells_the_citizen_once_per_move(
    web: httpx.AsyncClient, services: Services
) -> None:
    citizen = await holder(web, "JMSFZ")
    await web.put("/api/v1/notifications/preferences", json={"quiet_hours": None}, headers=citizen.headers)
    application_id = await draft(web, citizen)
    path = f"/api/v1/applications/{application_id}"
    await web.put(f"{path}/data", json={"data": residence_form(citizen.person)}, headers=citizen.headers)
    assert (await web.post(f"{path}/submit", headers=citizen.headers)).status_code == 200
    twin = cases_twin(services)
    sink, twin.callback_sink = twin.callback_sink, None  # the test sends the callbacks itself
    try:
        async with workers(services):

            async def delivered() -> bool:
                return bool((await read(web, citizen.headers, application_id))["delivery"] == "delivered")

            await eventually(delivered)
            case_id = (await read(web, citizen.headers, application_id))["case_id"]
            accepted = await advance(web, case_id, "accepted")
            reviewing = await advance(web, case_id, "in_review")
            returned = await advance(web, case_id, "returned")
            for signed in (accepted, returned, accepted, reviewing, returned):  # duplicated, out of order
                answer = await web.post(
                    "/api/v1/departments/cases/callbacks",
                    content=signed["body"].encode(),
                    headers=signed["headers"],
                )
                assert answer.status_code == 200, answer.text

            async def both_sent() -> bool:
                inbox = await _inbox(web, citizen.headers)
                return len(inbox) == 2 and {m["state"] for m in inbox} == {"sent"}

            await eventually(both_sent)
    finally:
        twin.callback_sink = sink
    inbox = await _inbox(web, citizen.headers)
    assert [(m["template"], m["title"]) for m in inbox] == [
        ("application.correction_requested", "办件需补正"),
        ("application.status_changed", "办件进度：已受理"),
    ]  # in review is not told; each move once
    assert {m["channel"] for m in inbox} == {"sms"}  # no subscribe authorisation: the SMS fallback
    item = (await read(web, citizen.headers, application_id))["item_name"]
    texts = texts_to(services, citizen.person["phone"])
    assert sorted(t for t in texts if item in t) == sorted(  # sent side by side: in either order
        [
            f"【我的宿迁】您申请的“{item}”办件状态已更新为：已受理。",
            f"【我的宿迁】您申请的“{item}”需补正：returned。请在“我的宿迁”中补正后重新提交。",
        ]
    )
