"""Education over HTTP on PostgreSQL: the district lookup, a school enrolment prefilled from the
household register, the property licence and the district, its admission decided by the department
and told once, the school placing the child, and a school's notice reaching the parents of a class
once with read receipts — a class of another school refused, another parent seeing nothing."""

from __future__ import annotations

from typing import Any

import httpx
from litestar import Litestar

from backend.notification.service import NotificationService
from integrations.masking import mask_name
from tests.backend.application.conftest import cases_twin, eventually, read, workers
from tests.backend.application.factories import png
from tests.backend.application.test_lifecycle import advance
from tests.backend.education.factories import Family, School, add_class, make_family, make_school
from tests.services import Services


async def test_the_district_lookup_answers_the_school_serving_an_address(
    app: Litestar, services: Services, client: httpx.AsyncClient
) -> None:
    school = await make_school(app, services)
    found = await client.get(
        "/api/v1/education/school-districts", params={"address": f"宿迁市宿城区{school.road}18号"}
    )
    assert found.status_code == 200, found.text
    primary = next(s for s in found.json()["schools"] if s["stage"] == "primary")
    assert (found.json()["district"], primary["school"]["code"], primary["matched_by"]) == (
        "宿城区",
        school.row.code,
        "road",
    )
    outside = await client.get(
        "/api/v1/education/school-districts", params={"address": f"宿迁市宿城区{school.road}100号"}
    )
    assert all(s["school"]["code"] != school.row.code for s in outside.json()["schools"])
    empty = await client.get("/api/v1/education/school-districts", params={"address": ""})
    assert (empty.status_code, empty.json()["code"]) == (400, "request.invalid")


async def _enrol(client: httpx.AsyncClient, family: Family, stage: str = "primary") -> httpx.Response:
    return await client.post(
        "/api/v1/education/enrolments",
        json={"child_id_number": family.child["id_number"], "stage": stage},
        headers=family.headers,
    )


async def test_an_enrolment_is_prefilled_from_the_register_the_property_licence_and_the_district(
    app: Litestar, services: Services, client: httpx.AsyncClient
) -> None:
    school = await make_school(app, services)
    home = f"江苏省宿迁市宿城区{school.road}18号"
    family = await make_family(client, services, address=home)
    issued = await client.post(
        "/_sandbox/elicence/licences",
        json={
            "name": family.parent["name"],
            "id_number": family.parent["id_number"],
            "kind_code": "BDCQZS",
            "address": home,
        },
    )
    assert issued.status_code == 201, issued.text
    started = await _enrol(client, family)
    assert started.status_code == 201, started.text
    body = started.json()
    details, provenance = body["data"]["details"], body["provenance"]
    assert (details["child_name"], details["child_id_number"]) == (
        family.child["name"],
        family.child["id_number"],
    )
    assert (details["school_code"], details["school_name"]) == (school.row.code, school.row.name)
    assert details["home_address"] == home  # the property licence's 坐落
    assert details["residence_basis"] == "户籍与房产一致"
    assert provenance["/details/child_name"]["source"] == "household_register"
    assert provenance["/details/home_address"]["source"] == "licence"
    assert provenance["/details/school_code"]["source"] == "school_district"
    assert provenance["/applicant/id_number"]["source"] in ("licence", "real_name")
    assert body["enrolment"]["status"] == "applied"
    # The draft is the application's: the citizen confirms it there.
    application = await read(client, family.headers, body["application_id"])
    assert application["item_code"] == "SQ-JY-0001"
    # Changing a register value makes it the citizen's own input.
    data = application["data"]
    data["details"]["child_name"] = "改过的名字"
    saved = await client.put(
        f"/api/v1/applications/{body['application_id']}/data", json={"data": data}, headers=family.headers
    )
    assert saved.json()["application"]["provenance"]["/details/child_name"]["source"] == "citizen"


async def test_an_enrolment_refuses_a_child_not_on_the_register_or_not_of_age(
    app: Litestar, services: Services, client: httpx.AsyncClient
) -> None:
    family = await make_family(client, services, age=6)
    stranger = await make_family(client, services, age=6)
    theirs = await client.post(
        "/api/v1/education/enrolments",
        json={"child_id_number": stranger.child["id_number"], "stage": "primary"},
        headers=family.headers,
    )
    assert (theirs.status_code, theirs.json()["code"]) == (403, "education.not_your_child")
    self_as_child = await client.post(
        "/api/v1/education/enrolments",
        json={"child_id_number": family.parent["id_number"], "stage": "primary"},
        headers=family.headers,
    )
    assert self_as_child.json()["code"] == "education.not_your_child"
    too_young = await _enrol(client, family, stage="junior")
    assert (too_young.status_code, too_young.json()["code"]) == (422, "education.age_out_of_range")
    bad = await client.post(
        "/api/v1/education/enrolments",
        json={"child_id_number": "12", "stage": "primary"},
        headers=family.headers,
    )
    assert bad.status_code == 400


def _filled(application: dict[str, Any], family: Family) -> dict[str, Any]:
    data: dict[str, Any] = application["data"]
    data["applicant"]["phone"] = family.parent["phone"]
    data["details"].setdefault("home_address", data["details"]["household_address"])
    data["details"].setdefault("residence_basis", "户籍与房产一致")
    return data


async def _admitted(
    client: httpx.AsyncClient, services: Services, school: School, family: Family, *, approve: bool = True
) -> str:
    """Enrol, submit, and have the department approve (or refuse) it; the enrolment's id."""
    started = await _enrol(client, family)
    assert started.status_code == 201, started.text
    application_id = started.json()["application_id"]
    path = f"/api/v1/applications/{application_id}"
    data = _filled(await read(client, family.headers, application_id), family)
    saved = await client.put(f"{path}/data", json={"data": data}, headers=family.headers)
    assert saved.json()["errors"] == [], saved.text
    card = await client.post(
        f"{path}/materials",
        params={"slot": "id_card", "filename": "身份证.png"},
        content=png(b"id card"),
        headers={**family.headers, "content-type": "image/png"},
    )
    assert card.status_code == 201, card.text
    submitted = await client.post(f"{path}/submit", headers=family.headers)
    assert submitted.status_code == 200, submitted.text
    cases_twin(services)
    async with workers(services):

        async def delivered() -> bool:
            return bool((await read(client, family.headers, application_id))["case_id"])

        await eventually(delivered)
        case_id = (await read(client, family.headers, application_id))["case_id"]
        for status in ("accepted", "in_review", "approved" if approve else "rejected"):
            await advance(client, case_id, status)

        async def decided() -> bool:
            mine = (await client.get("/api/v1/education/enrolments", headers=family.headers)).json()
            return any(e["id"] == application_id and e["status"] != "applied" for e in mine["items"])

        await eventually(decided)
    return str(application_id)


async def test_the_departments_decision_admits_the_child_tells_the_parent_once_and_the_school_places_them(
    app: Litestar, services: Services, client: httpx.AsyncClient
) -> None:
    school = await make_school(app, services)
    family = await make_family(client, services, address=f"宿迁市宿城区{school.road}18号")
    enrolment_id = await _admitted(client, services, school, family)
    mine = (await client.get("/api/v1/education/enrolments", headers=family.headers)).json()["items"]
    assert [(e["status"], e["school_id"]) for e in mine] == [("admitted", str(school.row.id))]
    inbox = await services.wiring.get(NotificationService).page(family.citizen_id, cursor=None, limit=50)
    titles = [m.title for m in inbox[0]]
    assert titles.count("入学录取结果：已录取") == 1, titles
    assert "办件进度：审批通过" not in titles  # the admission result replaces the generic notice
    assert "办件进度：已受理" in titles

    # The school sees the admitted child and places them in a class; a second placement is refused.
    admitted = await client.get("/api/v1/education/school/enrolments", headers=school.headers)
    assert [e["id"] for e in admitted.json()["items"]] == [enrolment_id]
    class_id = await add_class(client, school)
    placement = f"/api/v1/education/school/enrolments/{enrolment_id}/placement"
    placed = await client.post(placement, json={"class_id": class_id}, headers=school.headers)
    assert (placed.status_code, placed.json()["class_id"]) == (200, class_id)
    again = await client.post(placement, json={"class_id": class_id}, headers=school.headers)
    assert (again.status_code, again.json()["code"]) == (409, "education.already_placed")
    other = await make_school(app, services)
    elsewhere = await client.post(
        placement, json={"class_id": await add_class(client, other)}, headers=other.headers
    )
    assert (elsewhere.status_code, elsewhere.json()["code"]) == (409, "education.not_admitted")


async def test_a_refusal_is_told_as_not_admitted(
    app: Litestar, services: Services, client: httpx.AsyncClient
) -> None:
    school = await make_school(app, services)
    family = await make_family(client, services, address=f"宿迁市宿城区{school.road}20号")
    await _admitted(client, services, school, family, approve=False)
    mine = (await client.get("/api/v1/education/enrolments", headers=family.headers)).json()["items"]
    assert mine[0]["status"] == "not_admitted"
    inbox = await services.wiring.get(NotificationService).page(family.citizen_id, cursor=None, limit=50)
    assert [m.title for m in inbox[0]].count("入学录取结果：未录取") == 1


async def _placed(client: httpx.AsyncClient, services: Services, school: School, class_id: str) -> Family:
    """A parent whose child the school placed in ``class_id`` (through the admission)."""
    family = await make_family(client, services, address=f"宿迁市宿城区{school.road}30号")
    enrolment_id = await _admitted(client, services, school, family)
    placed = await client.post(
        f"/api/v1/education/school/enrolments/{enrolment_id}/placement",
        json={"class_id": class_id},
        headers=school.headers,
    )
    assert placed.status_code == 200, placed.text
    return family


async def test_a_notice_reaches_the_parents_of_the_class_once_with_read_receipts_for_the_school(
    app: Litestar, services: Services, client: httpx.AsyncClient
) -> None:
    school = await make_school(app, services)
    class_id, other_class = await add_class(client, school), await add_class(client, school, "一年级(2)班")
    first, second = (
        await _placed(client, services, school, class_id),
        await _placed(client, services, school, class_id),
    )
    elsewhere = await _placed(client, services, school, other_class)
    posted = await client.post(
        f"/api/v1/education/school/classes/{class_id}/notices",
        json={"title": "周五家长会", "body": "本周五下午三点在一年级(1)班教室召开家长会，请准时参加。"},
        headers=school.headers,
    )
    assert posted.status_code == 201, posted.text
    notice = posted.json()
    assert notice["recipients"] == 2

    # In the app: the class's parents have it; a parent of another class neither lists nor reads it.
    for parent in (first, second):
        listed = (await client.get("/api/v1/education/notices", headers=parent.headers)).json()["items"]
        assert [(n["notice"]["id"], n["read_at"]) for n in listed] == [(notice["id"], None)]
    assert (await client.get("/api/v1/education/notices", headers=elsewhere.headers)).json()["items"] == []
    hidden = await client.get(f"/api/v1/education/notices/{notice['id']}", headers=elsewhere.headers)
    assert (hidden.status_code, hidden.json()["code"]) == (404, "education.notice_not_found")
    sneaked = await client.post(f"/api/v1/education/notices/{notice['id']}/read", headers=elsewhere.headers)
    assert sneaked.status_code == 404
    # And as a message (once per parent; pushed by the outbox as subscribe message or kept in the inbox).
    notifications = services.wiring.get(NotificationService)
    for parent in (first, second):
        message = await notifications.find_by_key(f"education:notice:{notice['id']}:{parent.citizen_id}")
        assert message is not None
        assert message.title == "家校通知：周五家长会"

    # Read receipts: one parent reads (twice: the first time counts); the school sees who has not.
    read_path = f"/api/v1/education/notices/{notice['id']}/read"
    once = await client.post(read_path, headers=first.headers)
    twice = await client.post(read_path, headers=first.headers)
    assert once.json()["read_at"] is not None
    assert once.json()["read_at"] == twice.json()["read_at"]
    receipts = await client.get(
        f"/api/v1/education/school/notices/{notice['id']}/receipts", headers=school.headers
    )
    assert receipts.status_code == 200, receipts.text
    body = receipts.json()
    assert (body["recipients"], body["read"], body["unread"]) == (2, 1, 1)
    assert body["unread_pupils"] == [mask_name(second.child["name"])]
    listed = await client.get(f"/api/v1/education/school/classes/{class_id}/notices", headers=school.headers)
    assert [(n["notice"]["id"], n["read"]) for n in listed.json()["items"]] == [(notice["id"], 1)]


async def test_a_school_posting_to_another_schools_class_is_refused(
    app: Litestar, services: Services, client: httpx.AsyncClient
) -> None:
    mine, theirs = await make_school(app, services), await make_school(app, services)
    their_class = await add_class(client, theirs)
    refused = await client.post(
        f"/api/v1/education/school/classes/{their_class}/notices",
        json={"title": "通知", "body": "内容"},
        headers=mine.headers,
    )
    assert (refused.status_code, refused.json()["code"]) == (403, "education.not_your_school")
    peek = await client.get(f"/api/v1/education/school/classes/{their_class}/notices", headers=mine.headers)
    assert peek.status_code == 403
    posted = await client.post(
        f"/api/v1/education/school/classes/{their_class}/notices",
        json={"title": "通知", "body": "内容"},
        headers=theirs.headers,
    )
    receipts = await client.get(
        f"/api/v1/education/school/notices/{posted.json()['id']}/receipts", headers=mine.headers
    )
    assert (receipts.status_code, receipts.json()["code"]) == (403, "education.not_your_school")
