"""The 12345 hotline over HTTP on PostgreSQL: a tourism complaint with a photo is checked, given a
tracking number at once and reaches 12345 exactly once (across its outage and a lost answer); each
department reply is pulled, stored and told once; a closed ticket is rated once; nobody else sees it."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest

from backend.hotline.service import RATE_TOPIC, HotlineService
from backend.outbox.jobs import RetryLater
from tests.backend.hotel.factories import make_guest
from tests.backend.hotline.factories import (
    file_ticket,
    job,
    poll_all,
    reply,
    sync_with_own_client,
    twin,
    upload_photo,
)
from tests.services import Services


async def _read(client: httpx.AsyncClient, headers: dict[str, str], ticket_id: str) -> dict[str, Any]:
    answer = await client.get(f"/api/v1/hotline/tickets/{ticket_id}", headers=headers)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def test_the_categories_include_tourism_complaints(client: httpx.AsyncClient) -> None:
    listed = await client.get("/api/v1/hotline/categories")
    assert {"code": "tourism", "name": "文化旅游"} in listed.json()["items"]


async def test_a_complaint_reaches_12345_once_and_each_reply_is_told_once(
    client: httpx.AsyncClient, services: Services
) -> None:
    citizen = await make_guest(client, pays=False)
    photo = await upload_photo(client, citizen.headers, b"ticket photo")
    filed = await file_ticket(client, citizen.headers, photo_ids=[photo])
    assert filed.status_code == 201, filed.text
    ticket = filed.json()
    assert (ticket["status"], ticket["ticket_no"]) == ("queued", None)
    assert ticket["tracking_no"].startswith("RX")
    assert [p["id"] for p in ticket["photos"]] == [photo]
    sync, delivery = sync_with_own_client(services), await job(services, ticket["id"])

    await client.post("/_sandbox/hotline12345/faults", json={"down": True})
    try:
        with pytest.raises(RetryLater):
            await sync.deliver(delivery)
    finally:
        await client.post("/_sandbox/hotline12345/faults/reset")
    assert (await _read(client, citizen.headers, ticket["id"]))["status"] == "queued"

    await sync.deliver(delivery)
    await sync.deliver(delivery)  # a worker that died before marking the job done runs it again
    received = await _read(client, citizen.headers, ticket["id"])
    assert received["status"] == "received"
    ticket_no = str(received["ticket_no"])
    at_platform = [t for n, t in twin(services).tickets.items() if t.reference == ticket["tracking_no"]]
    assert len(at_platform) == 1
    assert at_platform[0].contact.name == citizen.name
    assert at_platform[0].category == "tourism"
    assert at_platform[0].attachments == [ticket["photos"][0]["sha256"]]

    await reply(client, ticket_no, "已转市场监管部门核查")
    assert await poll_all(sync) >= 1
    await reply(client, ticket_no, "经核查属实，已责令退还差价", close=True)
    await poll_all(sync)
    await poll_all(sync)  # nothing new: nothing stored or told twice
    closed = await _read(client, citizen.headers, ticket["id"])
    assert closed["status"] == "closed"
    assert [r["text"] for r in closed["replies"]] == ["已转市场监管部门核查", "经核查属实，已责令退还差价"]
    inbox = (await client.get("/api/v1/notifications", headers=citizen.headers)).json()["items"]
    assert len([m for m in inbox if m["template"] == "hotline.replied"]) == 2


async def test_a_lost_answer_is_retried_under_the_same_key_and_files_once(
    client: httpx.AsyncClient, services: Services
) -> None:
    citizen = await make_guest(client, pays=False)
    filed = (await file_ticket(client, citizen.headers)).json()
    sync, delivery = sync_with_own_client(services), await job(services, filed["id"])
    await sync.deliver(delivery)
    row = await sync._repository.find(uuid.UUID(filed["id"]))
    assert row is not None
    # The platform took it but our record was lost: the retry under the same key answers the same ticket.
    await sync._repository.move(
        row.id, expected="received", now=row.updated_at, status="queued", ticket_no=""
    )
    await sync.deliver(delivery)
    again = await _read(client, citizen.headers, filed["id"])
    assert again["ticket_no"] == row.ticket_no
    assert [t.reference for t in twin(services).tickets.values()].count(filed["tracking_no"]) == 1


async def test_a_closed_ticket_is_rated_once_and_12345_told_once(
    client: httpx.AsyncClient, services: Services
) -> None:
    citizen = await make_guest(client, pays=False)
    filed = (await file_ticket(client, citizen.headers)).json()
    sync = sync_with_own_client(services)
    path = f"/api/v1/hotline/tickets/{filed['id']}/rating"
    early = await client.post(path, json={"score": 5}, headers=citizen.headers)
    assert (early.status_code, early.json()["code"]) == (409, "hotline.ticket_not_closed")
    await sync.deliver(await job(services, filed["id"]))
    ticket_no = str((await _read(client, citizen.headers, filed["id"]))["ticket_no"])
    await reply(client, ticket_no, "已处理完毕", close=True)
    await poll_all(sync)
    rated = await client.post(path, json={"score": 4, "comment": "处理及时"}, headers=citizen.headers)
    assert rated.status_code == 201, rated.text
    assert rated.json()["rating"] == 4
    twice = await client.post(path, json={"score": 1}, headers=citizen.headers)
    assert (twice.status_code, twice.json()["code"]) == (409, "hotline.already_rated")
    rating = await job(services, filed["id"], RATE_TOPIC)
    await sync.deliver_rating(rating)
    await sync.deliver_rating(rating)
    assert twin(services).statuses[ticket_no].rating == 4


@pytest.mark.parametrize(
    ("field", "text", "reason"),
    [
        ("content", "这个工作人员就是个傻逼，态度极差！！", "abuse"),
        ("content", "低价代开发票，加微信abc123详谈合作", "advertising"),
        ("content", "我的身份证号是321302199001011234，请处理", "personal_data"),
        ("content", "门票价格\u202e与公示不符，请核查处理", "invisible_characters"),
        ("content", "啊" * 30, "repetition"),
    ],
)
async def test_text_failing_the_content_check_is_a_422_naming_the_reason(
    client: httpx.AsyncClient, field: str, text: str, reason: str
) -> None:
    citizen = await make_guest(client, pays=False)
    refused = await file_ticket(client, citizen.headers, **{field: text})
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "hotline.content_rejected"
    assert refused.json()["extra"] == {"reason": reason, "field": field}
    mine = await client.get("/api/v1/hotline/tickets", headers=citizen.headers)
    assert mine.json()["items"] == []


async def test_a_report_about_something_illegal_is_not_refused(client: httpx.AsyncClient) -> None:
    citizen = await make_guest(client, pays=False)
    filed = await file_ticket(
        client, citizen.headers, kind="report", category="public_safety",
        content="小区门口每晚有人聚众赌博，影响居民休息，请派人处理。",
    )  # fmt: skip
    assert filed.status_code == 201, filed.text


async def test_what_12345_refuses_shows_refused_and_the_citizen_is_told(
    client: httpx.AsyncClient, services: Services
) -> None:
    citizen = await make_guest(client, pays=False)
    filed = (await file_ticket(client, citizen.headers, content="窗口人员辱骂群众，请严肃处理此事。")).json()
    await sync_with_own_client(services).deliver(await job(services, filed["id"]))
    read = await _read(client, citizen.headers, filed["id"])
    assert (read["status"], read["refusal"]) == ("refused", "content_refused")
    inbox = (await client.get("/api/v1/notifications", headers=citizen.headers)).json()["items"]
    assert [m["template"] for m in inbox] == ["hotline.refused"]


async def test_bad_filings_are_refused_with_their_codes(client: httpx.AsyncClient) -> None:
    citizen, other = await make_guest(client, pays=False), await make_guest(client, pays=False)
    unknown = await file_ticket(client, citizen.headers, category="ufo")
    assert (unknown.status_code, unknown.json()["code"]) == (422, "hotline.category_unknown")
    theirs = await upload_photo(client, other.headers)
    taken = await file_ticket(client, citizen.headers, photo_ids=[theirs])
    assert (taken.status_code, taken.json()["code"]) == (404, "hotline.photo_not_found")
    assert (await client.get("/api/v1/hotline/tickets", headers=citizen.headers)).json()["items"] == []
    not_a_photo = await client.post(
        "/api/v1/hotline/photos",
        content=b"%PDF-1.7 not a photo",
        headers={**citizen.headers, "content-type": "image/png"},
    )
    assert (not_a_photo.status_code, not_a_photo.json()["code"]) == (415, "hotline.photo_type_unsupported")
    empty = await file_ticket(client, citizen.headers, content="")
    assert empty.status_code == 400, empty.text
    huge = await file_ticket(client, citizen.headers, content="很" * 2001)
    assert huge.status_code == 400, huge.text


async def test_nobody_else_sees_a_ticket_and_lists_page_by_cursor(client: httpx.AsyncClient) -> None:
    citizen, stranger = await make_guest(client, pays=False), await make_guest(client, pays=False)
    ids = [(await file_ticket(client, citizen.headers, title=f"诉求标题{n}")).json()["id"] for n in range(3)]
    hidden = await client.get(f"/api/v1/hotline/tickets/{ids[0]}", headers=stranger.headers)
    assert (hidden.status_code, hidden.json()["code"]) == (404, "hotline.ticket_not_found")
    rate = await client.post(
        f"/api/v1/hotline/tickets/{ids[0]}/rating", json={"score": 5}, headers=stranger.headers
    )
    assert rate.json()["code"] == "hotline.ticket_not_found"
    first = (await client.get("/api/v1/hotline/tickets", params={"limit": 2}, headers=citizen.headers)).json()
    rest = (
        await client.get(
            "/api/v1/hotline/tickets",
            params={"limit": 2, "cursor": first["next_cursor"]},
            headers=citizen.headers,
        )
    ).json()
    assert [t["id"] for t in first["items"] + rest["items"]] == ids[::-1]
    assert rest["next_cursor"] is None
    assert (await client.get("/api/v1/hotline/tickets", headers=stranger.headers)).json()["items"] == []


async def test_a_refresh_asks_12345_now_and_is_a_503_with_its_code_while_it_is_down(
    client: httpx.AsyncClient, services: Services
) -> None:
    citizen = await make_guest(client, pays=False)
    filed = (await file_ticket(client, citizen.headers)).json()
    await sync_with_own_client(services).deliver(await job(services, filed["id"]))
    path = f"/api/v1/hotline/tickets/{filed['id']}/refresh"
    await client.post("/_sandbox/hotline12345/faults", json={"down": True})
    try:
        down = await client.post(path, headers=citizen.headers)
    finally:
        await client.post("/_sandbox/hotline12345/faults/reset")
    assert (down.status_code, down.json()["code"]) == (503, "hotline.unavailable")
    assert down.headers["retry-after"] == "5"
    ticket_no = str((await _read(client, citizen.headers, filed["id"]))["ticket_no"])
    await reply(client, ticket_no, "已收到，正在处理")
    fresh = await client.post(path, headers=citizen.headers)
    again = await client.post(path, headers=citizen.headers)
    assert fresh.status_code == 200, fresh.text
    assert (fresh.json()["status"], [r["seq"] for r in fresh.json()["replies"]]) == ("replied", [1])
    assert again.json()["replies"] == fresh.json()["replies"]
    inbox = (await client.get("/api/v1/notifications", headers=citizen.headers)).json()["items"]
    assert [m["template"] for m in inbox] == ["hotline.replied"]


async def test_photos_no_ticket_took_are_purged_with_their_blobs(
    client: httpx.AsyncClient, services: Services
) -> None:
    citizen = await make_guest(client, pays=False)
    kept, left = (
        await upload_photo(client, citizen.headers, b"kept"),
        await upload_photo(client, citizen.headers, b"left"),
    )
    assert (await file_ticket(client, citizen.headers, photo_ids=[kept])).status_code == 201
    hotline = services.wiring.get(HotlineService)
    purged = 0
    for _ in range(50):  # other tests' unfiled photos are in line too
        n = await hotline.purge_unfiled_photos(older_than=timedelta(0))
        purged += n
        if not n:
            break
    assert purged >= 1
    left_again = await file_ticket(client, citizen.headers, photo_ids=[left])
    assert (left_again.status_code, left_again.json()["code"]) == (404, "hotline.photo_not_found")
    with_kept = await file_ticket(client, citizen.headers, photo_ids=[kept])
    assert with_kept.json()["code"] == "hotline.photo_not_found"  # taken by the first ticket, not purged
    tickets = (await client.get("/api/v1/hotline/tickets", headers=citizen.headers)).json()["items"]
    first = await _read(client, citizen.headers, tickets[0]["id"])
    assert [p["id"] for p in first["photos"]] == [kept]


async def test_an_empty_photo_is_a_400(client: httpx.AsyncClient) -> None:
    citizen = await make_guest(client, pays=False)
    empty = await client.post(
        "/api/v1/hotline/photos", content=b"", headers={**citizen.headers, "content-type": "image/png"}
    )
    assert (empty.status_code, empty.json()["code"]) == (400, "request.malformed")
