"""Staff review over HTTP on PostgreSQL: a counter clerk's queue, one application with its masked form
and history, the lifecycle's moves (each an event with source ``staff`` and the clerk as actor, the
citizen told), moves the lifecycle refuses (409), reasons required (422), and other roles 403."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
from litestar import Litestar

from backend.application.tables import Application
from backend.database import transaction
from tests.backend.application.test_lifecycle import draft, residence_form
from tests.backend.licence.factories import Holder, holder
from tests.backend.staff.factories import bearer, staff_token
from tests.services import Services

ADMIN = "/api/v1/admin/applications"


async def submitted(web: httpx.AsyncClient) -> tuple[Holder, str]:
    """A citizen's residence-permit application, filled and submitted (no outbox worker runs in this
    session: the department never sees it, so only the reviewer moves it)."""
    citizen = await holder(web, "JMSFZ")
    application_id = await draft(web, citizen)
    path = f"/api/v1/applications/{application_id}"
    saved = await web.put(
        f"{path}/data", json={"data": residence_form(citizen.person)}, headers=citizen.headers
    )
    assert saved.json()["errors"] == [], saved.text
    sent = await web.post(f"{path}/submit", headers=citizen.headers)
    assert sent.status_code == 200, sent.text
    return citizen, application_id


async def move(
    web: httpx.AsyncClient, clerk: dict[str, str], application_id: str, name: str, reason: str | None = None
) -> httpx.Response:
    body = {} if reason is None else {"reason": reason}
    return await web.post(f"{ADMIN}/{application_id}/{name}", json=body, headers=clerk)


async def moved(
    web: httpx.AsyncClient, clerk: dict[str, str], application_id: str, name: str, reason: str | None = None
) -> dict[str, Any]:
    answer = await move(web, clerk, application_id, name, reason)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def test_a_clerk_takes_an_application_from_intake_through_correction_to_completion(
    web: httpx.AsyncClient, app: Litestar, services: Services
) -> None:
    citizen, application_id = await submitted(web)
    clerk = bearer(await staff_token(app, services, role="counter"))

    # The queue of submitted applications holds it (paged by cursor, the longest waiting first).
    found, cursor = False, None
    while not found:
        params: dict[str, str | int] = {"status": "submitted", "limit": 100}
        if cursor:
            params["cursor"] = cursor
        page = await web.get(ADMIN, params=params, headers=clerk)
        assert page.status_code == 200, page.text
        found = any(item["id"] == application_id for item in page.json()["items"])
        cursor = page.json()["next_cursor"]
        assert found or cursor, "the submitted application is in no page of the queue"

    one = await web.get(f"{ADMIN}/{application_id}", headers=clerk)
    assert one.status_code == 200, one.text
    view = one.json()
    assert view["moves"] == ["accept", "refuse"]
    # The form as the clerk sees it: the ID and mobile numbers masked, where prefilled values came from.
    id_number = citizen.person["id_number"]
    assert view["data"]["applicant"]["id_number"] == f"{id_number[:4]}{'*' * 10}{id_number[-4:]}"
    assert citizen.person["phone"] not in str(view["data"])
    assert view["sources"]["/applicant/name"] == "licence"
    assert [e["action"] for e in view["events"]] == ["create", "submit"]

    accepted = await moved(web, clerk, application_id, "accept")
    assert (accepted["status"], accepted["moves"]) == ("accepted", ["review", "refuse"])
    assert (await moved(web, clerk, application_id, "review"))["status"] == "in_review"

    # Returned for correction: the reason is required (the citizen reads it).
    for body in ({}, {"reason": ""}):
        refused = await web.post(f"{ADMIN}/{application_id}/request-correction", json=body, headers=clerk)
        assert (refused.status_code, refused.json()["code"]) == (400, "request.invalid")
    returned = await moved(web, clerk, application_id, "request-correction", "请补充租房合同的签字页")
    assert returned["status"] == "correction_requested"
    last = returned["events"][-1]
    assert (last["action"], last["source"], last["reason"]) == (
        "staff.request_correction",
        "staff",
        "请补充租房合同的签字页",
    )
    assert last["actor"].startswith("staff:")

    # The citizen is told, as of a department's move, and sees the move in their own history.
    inbox = (await web.get("/api/v1/notifications", headers=citizen.headers)).json()["items"]
    assert any(m["template"] == "application.correction_requested" and "签字页" in m["body"] for m in inbox)
    events = (await web.get(f"/api/v1/applications/{application_id}/events", headers=citizen.headers)).json()
    assert events["items"][-1]["source"] == "staff"

    resubmitted = await web.post(f"/api/v1/applications/{application_id}/resubmit", headers=citizen.headers)
    assert resubmitted.json()["status"] == "resubmitted", resubmitted.text
    assert (await moved(web, clerk, application_id, "review"))["status"] == "in_review"
    assert (await moved(web, clerk, application_id, "approve", "材料齐全"))["status"] == "approved"
    done = await moved(web, clerk, application_id, "complete")
    assert (done["status"], done["moves"]) == ("completed", [])
    actions = [e["action"] for e in done["events"] if e["source"] == "staff"]
    assert actions == [
        "staff.accept", "staff.review", "staff.request_correction", "staff.review", "staff.approve",
        "staff.complete",
    ]  # fmt: skip
    inbox = (await web.get("/api/v1/notifications", headers=citizen.headers)).json()["items"]
    told = {m["title"] for m in inbox if m["template"] == "application.status_changed"}
    assert {"办件进度：已受理", "办件进度：审批通过", "办件进度：已办结"} <= told


async def test_moves_the_lifecycle_does_not_allow_are_409_and_refusal_at_intake_is_final(
    web: httpx.AsyncClient, app: Litestar, services: Services
) -> None:
    _citizen, application_id = await submitted(web)
    clerk = bearer(await staff_token(app, services, role="counter"))
    for name in ("approve", "complete", "review"):
        refused = await move(web, clerk, application_id, name)
        assert (refused.status_code, refused.json()["code"]) == (409, "application.transition_invalid")
        assert refused.json()["extra"]["status"] == "submitted"
    no_reason = await move(web, clerk, application_id, "refuse")
    assert (no_reason.status_code, no_reason.json()["code"]) == (400, "request.invalid")

    # Refused at submission is a refusal at intake (不予受理), and nothing follows it.
    intake = await moved(web, clerk, application_id, "refuse", "不属于本窗口受理范围")
    assert (intake["status"], intake["moves"]) == ("intake_refused", [])
    late = await move(web, clerk, application_id, "accept")
    assert (late.status_code, late.json()["extra"]["target"]) == (409, "accepted")
    queue = (await web.get(ADMIN, params={"status": "intake_refused", "limit": 100}, headers=clerk)).json()
    assert queue["items"] or queue["next_cursor"]


async def test_drafts_unknown_ids_and_forged_cursors_are_refused_with_their_codes(
    web: httpx.AsyncClient, app: Litestar, services: Services
) -> None:
    citizen = await holder(web, "JMSFZ")
    own = await draft(web, citizen, materials=False)
    clerk = bearer(await staff_token(app, services, role="counter"))
    # A draft is the citizen's alone.
    hidden = await web.get(f"{ADMIN}/{own}", headers=clerk)
    assert (hidden.status_code, hidden.json()["code"]) == (404, "application.not_found")
    assert (await move(web, clerk, own, "accept")).status_code == 404
    unknown = await web.get(f"{ADMIN}/00000000-0000-4000-8000-000000000000", headers=clerk)
    assert unknown.status_code == 404
    forged = await web.get(ADMIN, params={"cursor": "bm90IGEgY3Vyc29y"}, headers=clerk)
    assert (forged.status_code, forged.json()["code"]) == (422, "request.cursor_invalid")
    drafts = await web.get(ADMIN, params={"status": "draft"}, headers=clerk)
    assert (drafts.status_code, drafts.json()["code"]) == (400, "request.invalid")


async def test_operators_and_citizens_may_not_review(
    web: httpx.AsyncClient, app: Litestar, services: Services
) -> None:
    citizen, application_id = await submitted(web)
    operator = bearer(await staff_token(app, services, role="operator"))
    for headers in (operator, citizen.headers):
        for request in (web.get(ADMIN, headers=headers), move(web, headers, application_id, "accept")):
            refused = await request
            assert refused.status_code == 403, refused.text
    assert (await web.get(ADMIN, headers=operator)).json()["code"] == "auth.missing_role"
    assert (await web.get(f"/api/v1/applications/{application_id}", headers=citizen.headers)).json()[
        "status"
    ] == "submitted"


async def test_the_queue_reads_its_status_in_order_from_an_index_not_a_scan_and_sort(
    services: Services,
) -> None:
    # The repository's query (``in_status``) as PostgreSQL plans it once scans are ruled out: a range
    # of the (status, updated_at, id) index, already in the queue's order.
    at = datetime(2026, 1, 1, tzinfo=UTC)
    async with transaction(services.wiring.infra.engine):
        await Application.raw("SET LOCAL enable_seqscan = off")
        plan = await Application.raw(
            "EXPLAIN SELECT id FROM application WHERE status = {} AND (updated_at, id) > ({}, {}) "
            "ORDER BY updated_at, id LIMIT 51",
            "submitted",
            at,
            uuid.UUID(int=0),
        )
    lines = [str(row["QUERY PLAN"]) for row in plan]
    assert any("application_status_waiting" in line for line in lines), lines
    assert not any("Sort" in line for line in lines), lines
