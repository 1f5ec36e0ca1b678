"""Who may publish what, and bad input: each refusal with its status and code."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from litestar import Litestar

from tests.backend.notification.conftest import person
from tests.backend.staff.factories import bearer, staff_login, staff_token
from tests.backend.warning.factories import publisher, subscribe, warning_body, warning_id
from tests.services import Services


async def test_staff_without_the_publisher_role_gets_403(
    app: Litestar, services: Services, web: httpx.AsyncClient
) -> None:
    counter = bearer(await staff_token(app, services, role="counter"))
    answer = await web.post("/api/v1/warnings", json=warning_body(), headers=counter)
    assert (answer.status_code, answer.json()["code"]) == (403, "auth.missing_role")


async def test_a_citizen_cannot_publish(app: Litestar, services: Services, web: httpx.AsyncClient) -> None:
    citizen = await person(web)
    answer = await web.post("/api/v1/warnings", json=warning_body(), headers=citizen.headers)
    assert answer.status_code == 403


async def test_a_publisher_not_bound_to_an_organisation_gets_403(
    app: Litestar, services: Services, web: httpx.AsyncClient
) -> None:
    _, _, session, _ = await staff_login(app, services, role="publisher")
    answer = await web.post("/api/v1/warnings", json=warning_body(), headers=bearer(session["access_token"]))
    assert (answer.status_code, answer.json()["code"]) == (403, "warning.publisher_unbound")


async def test_the_water_authority_cannot_publish_a_rainstorm_warning(
    app: Litestar, services: Services, web: httpx.AsyncClient
) -> None:
    water = await publisher(app, services, "water")
    answer = await web.post("/api/v1/warnings", json=warning_body(kind="暴雨"), headers=water)
    assert (answer.status_code, answer.json()["code"]) == (403, "warning.kind_not_yours")
    flood = await web.post("/api/v1/warnings", json=warning_body(kind="洪水"), headers=water)
    assert flood.status_code == 201, flood.text


async def test_another_organisation_cannot_change_or_watch_a_warning(
    app: Litestar, services: Services, web: httpx.AsyncClient
) -> None:
    weather = await publisher(app, services)
    water = await publisher(app, services, "water")
    warning = warning_id(await web.post("/api/v1/warnings", json=warning_body(), headers=weather))
    for answer in (
        await web.post(f"/api/v1/warnings/{warning}/cancel", headers=water),
        await web.get(f"/api/v1/warnings/{warning}/progress", headers=water),
        await web.patch(f"/api/v1/warnings/{warning}", json={"level": "orange"}, headers=water),
    ):
        assert (answer.status_code, answer.json()["code"]) == (403, "warning.not_your_warning")


async def test_bad_input_is_refused_with_its_code(
    app: Litestar, services: Services, web: httpx.AsyncClient
) -> None:
    headers = await publisher(app, services)
    past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    too_long = (datetime.now(UTC) + timedelta(days=8)).isoformat()
    cases = [
        (warning_body(kind="地震"), 422, "warning.kind_unknown"),
        (warning_body(valid_until=past), 422, "warning.validity_invalid"),
        (warning_body(valid_until=too_long), 422, "warning.validity_invalid"),
        (warning_body(districts=["南京市"]), 400, "request.invalid"),
        (warning_body(districts=[]), 400, "request.invalid"),
        (warning_body(level="purple"), 400, "request.invalid"),
        (warning_body(valid_until="2026-12-03T10:00:00"), 400, "request.invalid"),  # no time zone
        (warning_body(text="x" * 501), 400, "request.invalid"),
        (warning_body(text="第一行\n第二行"), 400, "request.invalid"),
        ({**warning_body(), "extra": 1}, 400, "request.invalid"),
    ]
    for body, status, code in cases:
        answer = await web.post("/api/v1/warnings", json=body, headers=headers)
        assert (answer.status_code, answer.json()["code"]) == (status, code), (body, answer.text)


async def test_citizens_see_the_warnings_of_their_districts_until_cancelled(
    app: Litestar, services: Services, web: httpx.AsyncClient
) -> None:
    headers = await publisher(app, services)
    citizen = await person(web)
    assert (await web.get("/api/v1/warnings/mine", headers=citizen.headers)).json() == {
        "districts": [],
        "items": [],
    }
    await subscribe(web, citizen.headers, "湖滨新区")
    fog = warning_id(
        await web.post(
            "/api/v1/warnings",
            json=warning_body(kind="大雾", level="yellow", districts=["湖滨新区"]),
            headers=headers,
        )
    )
    other = warning_id(
        await web.post(
            "/api/v1/warnings", json=warning_body(kind="霜冻", districts=["泗洪县"]), headers=headers
        )
    )
    mine = (await web.get("/api/v1/warnings/mine", headers=citizen.headers)).json()
    assert mine["districts"] == ["湖滨新区"]
    assert [item["id"] for item in mine["items"]] == [str(fog)]
    public = (await web.get("/api/v1/warnings", params={"district": "泗洪县"})).json()
    assert str(other) in [item["id"] for item in public["items"]]
    bad = await web.get("/api/v1/warnings", params={"district": "南京市"})
    assert bad.status_code == 400

    cancelled = await web.post(f"/api/v1/warnings/{fog}/cancel", headers=headers)
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["state"] == "cancelled"
    assert (await web.get("/api/v1/warnings/mine", headers=citizen.headers)).json()["items"] == []
    again = await web.post(f"/api/v1/warnings/{fog}/cancel", headers=headers)
    assert (again.status_code, again.json()["code"]) == (409, "warning.cancelled")
    progress = (await web.get(f"/api/v1/warnings/{fog}/progress", headers=headers)).json()
    assert progress["state"] == "not_pushed"  # yellow: shown in the app, never pushed


async def test_binding_a_publisher_needs_an_operator_and_a_publisher_account(
    app: Litestar, services: Services, web: httpx.AsyncClient
) -> None:
    operator = bearer(await staff_token(app, services, role="operator"))
    counter, _, _, _ = await staff_login(app, services, role="counter")
    refused = await web.post(
        "/api/v1/warnings/publishers",
        json={"staff_id": str(counter.id), "organisation": "water"},
        headers=operator,
    )
    assert (refused.status_code, refused.json()["code"]) == (422, "warning.not_a_publisher")
    member, _, _, _ = await staff_login(app, services, role="publisher")
    body = {"staff_id": str(member.id), "organisation": "water"}
    assert (await web.post("/api/v1/warnings/publishers", json=body, headers=operator)).status_code == 201
    taken = await web.post("/api/v1/warnings/publishers", json=body, headers=operator)
    assert (taken.status_code, taken.json()["code"]) == (409, "warning.publisher_taken")
    publisher_headers = bearer((await staff_login(app, services, role="publisher"))[2]["access_token"])
    by_publisher = await web.post("/api/v1/warnings/publishers", json=body, headers=publisher_headers)
    assert by_publisher.status_code == 403
