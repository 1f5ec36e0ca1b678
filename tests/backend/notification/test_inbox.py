"""The citizen's side over HTTP: the inbox with delivery states, preferences, authorisations recorded
after ``requestSubscribeMessage``, and the templates a mini program asks the citizen to allow."""

from __future__ import annotations

import httpx

from backend.application.notices import CORRECTION_REQUESTED, STATUS_CHANGED
from backend.database import transaction
from tests.backend.notification.conftest import fresh_key, link_wechat, notifications, person, status_data
from tests.services import Services


async def test_the_inbox_lists_your_messages_newest_first_and_marks_them_read(
    web: httpx.AsyncClient, services: Services
) -> None:
    who, other = await person(web), await person(web)
    service = notifications(services)
    for status in ("已受理", "审批通过", "已办结"):
        async with transaction(services.engine):
            await service.notify(
                who.id, template=STATUS_CHANGED, data=status_data(status=status), key=fresh_key()
            )
    first = await web.get("/api/v1/notifications", params={"limit": 2}, headers=who.headers)
    assert first.status_code == 200, first.text
    page = first.json()
    assert [m["title"] for m in page["items"]] == ["办件进度：已办结", "办件进度：审批通过"]
    assert {m["state"] for m in page["items"]} == {"queued"}  # no worker has run
    rest = await web.get(
        "/api/v1/notifications", params={"limit": 2, "cursor": page["next_cursor"]}, headers=who.headers
    )
    assert [m["title"] for m in rest.json()["items"]] == ["办件进度：已受理"]
    assert rest.json()["next_cursor"] is None

    message_id = page["items"][0]["id"]
    read = await web.post(f"/api/v1/notifications/{message_id}/read", headers=who.headers)
    assert read.status_code == 200, read.text
    assert read.json()["read_at"] is not None
    theirs = await web.get(f"/api/v1/notifications/{message_id}", headers=other.headers)
    assert theirs.status_code == 404
    assert theirs.json()["code"] == "notification.not_found"
    assert (await web.get("/api/v1/notifications", headers=other.headers)).json()["items"] == []


async def test_preferences_start_all_on_with_the_default_quiet_hours_and_refuse_unknown_categories(
    web: httpx.AsyncClient,
) -> None:
    who = await person(web)
    prefs = (await web.get("/api/v1/notifications/preferences", headers=who.headers)).json()
    assert prefs["categories"]["application"] == {"wechat": True, "alipay": True, "sms": True}
    assert prefs["quiet_hours"] == {"start": "22:00", "end": "07:00"}
    unknown = await web.put(
        "/api/v1/notifications/preferences",
        json={"categories": {"lottery": {"sms": False}}},
        headers=who.headers,
    )
    assert unknown.status_code == 422
    assert unknown.json()["code"] == "notification.category_unknown"
    bad_time = await web.put(
        "/api/v1/notifications/preferences",
        json={"quiet_hours": {"start": "24:00", "end": "07:00"}},
        headers=who.headers,
    )
    assert bad_time.status_code in (400, 422), bad_time.text
    chosen = await web.put(
        "/api/v1/notifications/preferences",
        json={
            "categories": {"application": {"sms": False}},
            "quiet_hours": {"start": "21:30", "end": "08:00"},
        },
        headers=who.headers,
    )
    assert chosen.json() == (await web.get("/api/v1/notifications/preferences", headers=who.headers)).json()
    assert chosen.json()["categories"]["application"] == {"wechat": True, "alipay": True, "sms": False}
    assert chosen.json()["quiet_hours"] == {"start": "21:30", "end": "08:00"}


async def test_an_authorisation_needs_a_linked_platform_user_and_is_counted_once_per_idempotency_key(
    web: httpx.AsyncClient,
) -> None:
    who = await person(web)
    body = {"template": STATUS_CHANGED.code, "platform": "wechat"}
    unlinked = await web.post("/api/v1/notifications/subscriptions", json=body, headers=who.headers)
    assert unlinked.status_code == 409
    assert unlinked.json()["code"] == "notification.platform_not_linked"
    unknown = await web.post(
        "/api/v1/notifications/subscriptions", json={**body, "template": "nothing.here"}, headers=who.headers
    )
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "notification.template_not_found"
    await link_wechat(web, who)
    headers = {**who.headers, "idempotency-key": fresh_key("accept")}
    first = await web.post("/api/v1/notifications/subscriptions", json=body, headers=headers)
    assert first.status_code == 201, first.text
    assert first.json() == {"template": STATUS_CHANGED.code, "platform": "wechat", "remaining": 1}
    replayed = await web.post("/api/v1/notifications/subscriptions", json=body, headers=headers)
    assert replayed.json()["remaining"] == 1
    assert replayed.headers.get("idempotent-replayed") == "true"
    again = await web.post("/api/v1/notifications/subscriptions", json=body, headers=who.headers)
    assert again.json()["remaining"] == 2  # a second "accept" is a second send


async def test_the_templates_name_the_ids_to_ask_for(web: httpx.AsyncClient) -> None:
    who = await person(web)
    listed = await web.get("/api/v1/notifications/templates", headers=who.headers)
    assert listed.status_code == 200, listed.text
    by_code = {t["code"]: t for t in listed.json()["items"]}
    assert by_code[STATUS_CHANGED.code]["wechat_template_id"] == "sandbox-tpl-application-status"
    assert by_code[CORRECTION_REQUESTED.code]["alipay_template_id"] == "sandbox-ali-application-correction"
    assert by_code[STATUS_CHANGED.code]["sms"] is True
