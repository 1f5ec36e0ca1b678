"""Staff review over HTTP on PostgreSQL: a reviewer's queue, one application with its masked form and
history, the lifecycle's moves (each an event with source ``staff`` and the reviewer as actor, the
citizen told), moves the lifecycle refuses (409), reasons required (422), other roles 403, and a
reviewer's reach: only the departments an operator bound it to."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
from litestar import Litestar

from backend.application.review import masked
from backend.application.tables import Application
from backend.database import transaction
from tests.backend.application.test_lifecycle import draft, residence_form
from tests.backend.licence.factories import Holder, holder
from tests.backend.staff.factories import bearer, staff_login, staff_token
from tests.services import Services

ADMIN = "/api/v1/admin/applications"
REVIEWERS = "/api/v1/admin/reviewers"
# The residence permit's (SQ-GA-0001) department, and one that is not.
POLICE = "宿迁市公安局"
CIVIL_AFFAIRS = "宿迁市民政局"
UNKNOWN = "00000000-0000-4000-8000-000000000000"


async def reviewer(
    web: httpx.AsyncClient, app: Litestar, services: Services, *departments: str
) -> tuple[dict[str, str], str]:
    """A reviewer signed in (with the second factor its role must use), bound by an operator to
    ``departments``: its bearer headers and staff id."""
    row, _, session, secret = await staff_login(app, services, role="reviewer")
    assert secret is not None  # reviewers enrol a second factor at their first sign-in
    operator = bearer(await staff_token(app, services, role="operator"))
    for department in departments:
        bound = await web.post(
            REVIEWERS, json={"staff_id": str(row.id), "department": department}, headers=operator
        )
        assert bound.status_code == 201, bound.text
    return bearer(session["access_token"]), str(row.id)


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
    clerk, _ = await reviewer(web, app, services, POLICE)

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
    clerk, _ = await reviewer(web, app, services, POLICE)
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
    clerk, _ = await reviewer(web, app, services, POLICE)
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


async def in_queue(
    web: httpx.AsyncClient, headers: dict[str, str], application_id: str, *, status: str = "submitted"
) -> bool:
    cursor: str | None = None
    while True:
        params: dict[str, str | int] = {
            "status": status,
            "limit": 100,
            **({"cursor": cursor} if cursor else {}),
        }
        page = await web.get(ADMIN, params=params, headers=headers)
        assert page.status_code == 200, page.text
        if any(item["id"] == application_id for item in page.json()["items"]):
            return True
        cursor = page.json()["next_cursor"]
        if not cursor:
            return False


async def test_a_reviewer_reaches_only_the_applications_of_its_departments(
    web: httpx.AsyncClient, app: Litestar, services: Services
) -> None:
    _citizen, application_id = await submitted(web)
    police, _ = await reviewer(web, app, services, CIVIL_AFFAIRS, POLICE)
    other, other_id = await reviewer(web, app, services, CIVIL_AFFAIRS)
    unbound, _ = await reviewer(web, app, services)
    assert await in_queue(web, police, application_id)
    # Another department's reviewer, or one bound to none: not in its queue, and a 404 as if unknown.
    for headers in (other, unbound):
        assert not await in_queue(web, headers, application_id)
        hidden = await web.get(f"{ADMIN}/{application_id}", headers=headers)
        assert (hidden.status_code, hidden.json()["code"]) == (404, "application.not_found")
        refused = await move(web, headers, application_id, "accept")
        assert (refused.status_code, refused.json()["code"]) == (404, "application.not_found")
    # A counter clerk (the hall's queue) reviews nothing.
    counter = bearer(await staff_token(app, services, role="counter"))
    assert (await web.get(ADMIN, headers=counter)).json()["code"] == "auth.missing_role"
    assert (await move(web, counter, application_id, "accept")).status_code == 403

    # Bound to the department by an operator, the other reviewer reaches it; unbound, no more.
    operator = bearer(await staff_token(app, services, role="operator"))
    bound = await web.post(REVIEWERS, json={"staff_id": other_id, "department": POLICE}, headers=operator)
    assert bound.status_code == 201, bound.text
    assert (await web.get(f"{ADMIN}/{application_id}", headers=other)).status_code == 200
    listed = (await web.get(REVIEWERS, params={"staff_id": other_id}, headers=operator)).json()["items"]
    assert sorted(b["department"] for b in listed) == sorted([CIVIL_AFFAIRS, POLICE])
    gone = await web.delete(f"{REVIEWERS}/{bound.json()['id']}", headers=operator)
    assert gone.status_code == 204, gone.text
    assert (await web.get(f"{ADMIN}/{application_id}", headers=other)).status_code == 404
    assert (await moved(web, police, application_id, "accept"))["status"] == "accepted"


async def test_binding_reviewers_is_an_operators_and_refuses_with_its_codes(
    web: httpx.AsyncClient, app: Litestar, services: Services
) -> None:
    operator = bearer(await staff_token(app, services, role="operator"))
    clerk_row, _, _, _ = await staff_login(app, services, role="counter")
    police, police_id = await reviewer(web, app, services, POLICE)
    refusals = [
        ({"staff_id": UNKNOWN, "department": POLICE}, 404, "application.reviewer_not_found"),
        ({"staff_id": str(clerk_row.id), "department": POLICE}, 422, "application.not_a_reviewer"),
        ({"staff_id": police_id, "department": "宿迁市不存在局"}, 422, "application.department_unknown"),
        ({"staff_id": police_id, "department": POLICE}, 409, "application.reviewer_bound"),
    ]  # fmt: skip
    for body, status, code in refusals:
        refused = await web.post(REVIEWERS, json=body, headers=operator)
        assert (refused.status_code, refused.json()["code"]) == (status, code), refused.text
    unknown = await web.delete(f"{REVIEWERS}/{UNKNOWN}", headers=operator)
    assert (unknown.status_code, unknown.json()["code"]) == (404, "application.reviewer_binding_not_found")
    # A reviewer can't widen its own reach.
    own = await web.post(REVIEWERS, json={"staff_id": police_id, "department": CIVIL_AFFAIRS}, headers=police)
    assert (own.status_code, own.json()["code"]) == (403, "auth.missing_role")
    assert (await web.get(REVIEWERS, headers=police)).status_code == 403
    # Each binding is audited on the staff chain.
    entries = await services.audit.of_subject("staff", f"staff:{police_id}")
    assert "application.reviewer_bound" in [e.action for e in entries]


async def test_a_draft_the_citizen_withdrew_is_in_no_queue_and_404(
    web: httpx.AsyncClient, app: Litestar, services: Services
) -> None:
    citizen = await holder(web, "JMSFZ")
    own = await draft(web, citizen, materials=False)
    withdrawn = await web.post(
        f"/api/v1/applications/{own}/withdraw", json={"reason": "不办了"}, headers=citizen.headers
    )
    assert withdrawn.json()["status"] == "withdrawn", withdrawn.text
    police, _ = await reviewer(web, app, services, POLICE)
    hidden = await web.get(f"{ADMIN}/{own}", headers=police)
    assert (hidden.status_code, hidden.json()["code"]) == (404, "application.not_found")
    assert not await in_queue(web, police, own, status="withdrawn")


def test_the_staff_view_masks_numbers_in_groups_integers_and_old_id_numbers() -> None:
    shown = masked(
        {"phones": ["138 1234 5678", "138-1234-5678", 13812345678], "old_id": "321302900101123", "n": 3}
    )
    assert shown == {
        "phones": ["138****5678", "138****5678", "138****5678"], "old_id": "*" * 15, "n": 3,
    }  # fmt: skip


async def test_reasons_in_the_history_are_masked_for_the_reviewer(
    web: httpx.AsyncClient, app: Litestar, services: Services
) -> None:
    _citizen, application_id = await submitted(web)
    police, _ = await reviewer(web, app, services, POLICE)
    refused = await moved(
        web, police, application_id, "refuse", "请本人持身份证 321302199001011234 来电 138 1234 5678"
    )
    reason = refused["events"][-1]["reason"]
    assert reason == "请本人持身份证 3213**********1234 来电 138****5678"


async def test_a_reviewer_reading_an_application_is_audited_once_per_read(
    web: httpx.AsyncClient, app: Litestar, services: Services
) -> None:
    _citizen, application_id = await submitted(web)
    police, police_id = await reviewer(web, app, services, POLICE)
    assert (await web.get(f"{ADMIN}/{application_id}", headers=police)).status_code == 200
    await moved(web, police, application_id, "accept")  # a move is audited as the move, not a read
    entries = await services.audit.of_subject("application", f"application:{application_id}")
    viewed = [e for e in entries if e.action == "application.viewed"]
    assert [e.actor for e in viewed] == [f"staff:{police_id}"]


async def test_the_queue_reads_its_status_in_order_from_an_index_not_a_scan_and_sort(
    services: Services,
) -> None:
    # The repository's query (``in_status``) as PostgreSQL can plan it: a range of the (status,
    # updated_at, id) index, already in the queue's order. On the test's few rows the planner may
    # prefer a bitmap scan and a sort, so those are ruled out too: with sorting off, a plan without a
    # Sort exists only if the index gives the order.
    at = datetime(2026, 1, 1, tzinfo=UTC)
    async with transaction(services.wiring.infra.engine):
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
            await Application.raw(f"SET LOCAL {setting} = off")
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
