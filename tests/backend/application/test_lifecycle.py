"""An application's life over HTTP on PostgreSQL: draft, autosave, submit (every field error, or
accepted and forwarded), the department's decisions arriving as signed callbacks, correction and
resubmission, approval and completion — each an event, an impossible move a 409."""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

import httpx
import pytest

from backend.application.service import DELIVER, deliver_key
from backend.outbox.service import Outbox
from tests.backend.application.conftest import cases_twin, eventually, read, workers
from tests.backend.licence.factories import Holder, holder
from tests.services import Services


def residence_form(person: dict[str, str]) -> dict[str, Any]:
    return {
        "applicant": {"name": person["name"], "id_number": person["id_number"], "phone": person["phone"]},
        "details": {
            "address": "宿迁市宿城区幸福中路88号",
            "residence_type": "租赁住房",
            "since": "2026-01-15",
        },
    }


async def draft(web: httpx.AsyncClient, citizen: Holder, item: str = "SQ-GA-0001") -> str:
    created = await web.post("/api/v1/applications", json={"item_code": item}, headers=citizen.headers)
    assert created.status_code == 201, created.text
    assert created.json()["status"] == "draft"
    application_id: str = created.json()["id"]
    return application_id


async def advance(web: httpx.AsyncClient, case_id: str, status: str) -> dict[str, Any]:
    moved = await web.post(
        f"/_sandbox/cases/applications/{case_id}/advance", json={"status": status, "note": status}
    )
    assert moved.status_code == 200, moved.text
    signed: dict[str, Any] = moved.json()
    return signed


async def test_a_submission_with_bad_data_answers_every_field_error(web: httpx.AsyncClient) -> None:
    citizen = await holder(web, "JMSFZ")
    application_id = await draft(web, citizen)
    bad = {"applicant": {"name": "", "id_number": "123"}, "details": {"residence_type": "帐篷"}}
    saved = await web.put(
        f"/api/v1/applications/{application_id}/data", json={"data": bad}, headers=citizen.headers
    )
    assert saved.status_code == 200  # autosave keeps what there is
    assert len(saved.json()["errors"]) >= 5
    refused = await web.post(f"/api/v1/applications/{application_id}/submit", headers=citizen.headers)
    assert refused.status_code == 422
    problem = refused.json()
    assert problem["code"] == "application.form_invalid"
    errors = {e["path"]: e["message"] for e in problem["extra"]["errors"]}
    assert errors["/applicant/name"] == "申请人姓名：内容过短"
    assert errors["/applicant/id_number"] == "公民身份号码：格式不正确"
    assert errors["/applicant/phone"] == "联系电话：此项为必填项"
    assert errors["/details/residence_type"] == "居住类型：不是可选的值"
    assert {"/details/address", "/details/since"} <= errors.keys()
    assert (await read(web, citizen.headers, application_id))["status"] == "draft"


async def test_unknown_items_and_other_citizens_applications_are_404(web: httpx.AsyncClient) -> None:
    citizen, other = await holder(web, "JMSFZ"), await holder(web, "JMSFZ")
    unknown = await web.post(
        "/api/v1/applications", json={"item_code": "SQ-XX-0001"}, headers=citizen.headers
    )
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "catalogue.item_not_found"
    application_id = await draft(web, citizen)
    theirs = await web.get(f"/api/v1/applications/{application_id}", headers=other.headers)
    assert theirs.status_code == 404
    assert theirs.json()["code"] == "application.not_found"


async def test_the_whole_life_of_an_application_with_callbacks_duplicated_and_out_of_order(
    web: httpx.AsyncClient, services: Services
) -> None:
    citizen = await holder(web, "JMSFZ")
    application_id = await draft(web, citizen)
    path = f"/api/v1/applications/{application_id}"
    assert (
        await web.put(f"{path}/data", json={"data": residence_form(citizen.person)}, headers=citizen.headers)
    ).json()["errors"] == []
    submitted = await web.post(f"{path}/submit", headers=citizen.headers)
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["status"] == "submitted"
    assert submitted.json()["delivery"] == "forwarding"  # written with its job; no worker has run yet
    again = await web.post(f"{path}/submit", headers=citizen.headers)
    assert again.status_code == 409
    assert again.json()["code"] == "application.transition_invalid"

    twin = cases_twin(services)
    sink, twin.callback_sink = twin.callback_sink, None  # hold the callbacks back, to send them ourselves
    try:
        async with workers(services):

            async def delivered() -> bool:
                return bool((await read(web, citizen.headers, application_id))["delivery"] == "delivered")

            await eventually(delivered)
            case_id = (await read(web, citizen.headers, application_id))["case_id"]
            assert twin.cases[case_id].item_code == "SQ-GA-0001"
            accepted = await advance(web, case_id, "accepted")
            reviewing = await advance(web, case_id, "in_review")
            returned = await advance(web, case_id, "returned")
            # Out of order and twice: the newest first, then the oldest twice, then the middle.
            for signed in (returned, accepted, accepted, reviewing):
                answer = await web.post(
                    "/api/v1/departments/cases/callbacks",
                    content=signed["body"].encode(),
                    headers=signed["headers"],
                )
                assert answer.status_code == 200, answer.text
            duplicate = await web.post(
                "/api/v1/departments/cases/callbacks",
                content=accepted["body"].encode(),
                headers=accepted["headers"],
            )
            assert duplicate.json() == {"fresh": False}

            async def returned_for_correction() -> bool:
                return bool(
                    (await read(web, citizen.headers, application_id))["status"] == "correction_requested"
                )

            await eventually(returned_for_correction)
            corrected = {**residence_form(citizen.person)}
            corrected["details"] = {**corrected["details"], "employer": "宿迁市某科技有限公司"}
            await web.put(f"{path}/data", json={"data": corrected}, headers=citizen.headers)
            resubmitted = await web.post(f"{path}/resubmit", headers=citizen.headers)
            assert resubmitted.json()["status"] == "resubmitted"
            await eventually(lambda: _supplemented(twin, case_id))
            twin.callback_sink = sink  # from here the twin calls back in-process, as the app is wired
            for status in ("in_review", "approved", "completed"):
                await advance(web, case_id, status)

            async def completed() -> bool:
                return bool((await read(web, citizen.headers, application_id))["status"] == "completed")

            await eventually(completed)
    finally:
        twin.callback_sink = sink
    assert twin.supplements[case_id][0]["details.employer"] == "宿迁市某科技有限公司"
    events = (await web.get(f"{path}/events", headers=citizen.headers)).json()["items"]
    moves = [(e["action"], e["to_status"]) for e in events]
    assert moves == [
        ("create", "draft"),
        ("submit", "submitted"),
        ("delivered", "submitted"),
        ("department.accepted", "accepted"),
        ("department.in_review", "in_review"),
        ("department.returned", "correction_requested"),
        ("resubmit", "resubmitted"),
        ("supplement_delivered", "resubmitted"),
        ("department.in_review", "in_review"),
        ("department.approved", "approved"),
        ("department.completed", "completed"),
    ]
    assert [e["seq"] for e in events] == list(range(1, 12))
    assert {e["source"] for e in events} == {"citizen", "system", "department"}
    withdraw = await web.post(f"{path}/withdraw", json={"reason": "不办了"}, headers=citizen.headers)
    assert withdraw.status_code == 409
    # The evidence: each step audited with the digest of what was sent or decided; the day is not
    # over, so no entry has its proof yet (tests/backend/evidence proves sealed days).
    evidence = (await web.get(f"{path}/evidence", headers=citizen.headers)).json()["items"]
    actions = [p["entry"]["action"] for p in evidence]
    assert actions[:2] == ["application.submit", "application.department"]
    assert actions.count("application.department") == 6
    assert {p["root"] for p in evidence} == {None}
    sent = json.loads(evidence[0]["entry"]["data"])["data_digest"]
    first = residence_form(citizen.person)
    assert (
        sent
        == hashlib.sha256(
            json.dumps(first, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
        ).hexdigest()
    )
    decisions = [
        json.loads(p["entry"]["data"]) for p in evidence if p["entry"]["action"] == "application.department"
    ]
    assert all(len(d["decision_digest"]) == 64 for d in decisions)


async def _supplemented(twin: Any, case_id: str) -> bool:
    return bool(twin.supplements.get(case_id))


async def test_a_forged_or_stale_callback_is_refused(web: httpx.AsyncClient) -> None:
    body = b'{"event_id":"EVX","case_id":"SQ1","status":"approved","at":"2026-01-01T00:00:00Z"}'
    forged = await web.post(
        "/api/v1/departments/cases/callbacks",
        content=body,
        headers={
            "content-type": "application/json",
            "x-timestamp": "1",
            "x-nonce": "n",
            "x-signature": "bad",
        },
    )
    assert forged.status_code == 401
    assert forged.json()["code"] == "application.callback_signature_invalid"


async def test_with_the_department_down_the_application_is_kept_and_the_citizen_told_it_is_forwarding(
    web: httpx.AsyncClient, services: Services
) -> None:
    citizen = await holder(web, "JMSFZ")
    application_id = await draft(web, citizen)
    path = f"/api/v1/applications/{application_id}"
    await web.put(f"{path}/data", json={"data": residence_form(citizen.person)}, headers=citizen.headers)
    await web.post("/_sandbox/cases/faults", json={"down": True})
    try:
        assert (await web.post(f"{path}/submit", headers=citizen.headers)).status_code == 200
        outbox = services.wiring.get(Outbox)
        async with workers(services, n=1):

            async def tried_twice() -> bool:
                job = await outbox.find(DELIVER, deliver_key(uuid.UUID(application_id)))
                return job is not None and job.attempts >= 2

            await eventually(tried_twice)
            view = await read(web, citizen.headers, application_id)
            assert view["status"] == "submitted"
            assert view["delivery"] == "forwarding"  # not "failed": it is being retried
            await web.post("/_sandbox/cases/faults/reset")

            async def delivered() -> bool:
                return bool((await read(web, citizen.headers, application_id))["delivery"] == "delivered")

            # Our breaker opened on the failures: it lets a probe through after its 30 s cool-down
            # (tries it refused in between were given back, not spent).
            await eventually(delivered, within=60)
    finally:
        await web.post("/_sandbox/cases/faults/reset")


@pytest.mark.parametrize("status", ["draft", "submitted"])
async def test_a_citizen_withdraws_while_allowed(web: httpx.AsyncClient, status: str) -> None:
    citizen = await holder(web, "JMSFZ")
    application_id = await draft(web, citizen)
    path = f"/api/v1/applications/{application_id}"
    if status == "submitted":
        await web.put(f"{path}/data", json={"data": residence_form(citizen.person)}, headers=citizen.headers)
        await web.post(f"{path}/submit", headers=citizen.headers)
    withdrawn = await web.post(
        f"{path}/withdraw", json={"reason": "材料不全，改日再办"}, headers=citizen.headers
    )
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["status"] == "withdrawn"
    edit = await web.put(f"{path}/data", json={"data": {}}, headers=citizen.headers)
    assert edit.status_code == 409
    assert edit.json()["code"] == "application.not_editable"


async def test_a_withdrawal_reaches_the_department_once_and_one_before_delivery_opens_no_case(
    web: httpx.AsyncClient, services: Services
) -> None:
    twin = cases_twin(services)
    citizen = await holder(web, "JMSFZ")
    form = {"data": residence_form(citizen.person)}
    delivered_first, withdrawn_first = await draft(web, citizen), await draft(web, citizen)
    for application_id in (delivered_first, withdrawn_first):
        await web.put(f"/api/v1/applications/{application_id}/data", json=form, headers=citizen.headers)
    await web.post(f"/api/v1/applications/{delivered_first}/submit", headers=citizen.headers)
    async with workers(services):

        async def delivered() -> bool:
            return bool((await read(web, citizen.headers, delivered_first))["delivery"] == "delivered")

        await eventually(delivered)
    # The second is submitted and withdrawn before any worker runs: its delivery must open no case.
    await web.post(f"/api/v1/applications/{withdrawn_first}/submit", headers=citizen.headers)
    for application_id in (delivered_first, withdrawn_first):
        answer = await web.post(
            f"/api/v1/applications/{application_id}/withdraw",
            json={"reason": "不办了"},
            headers=citizen.headers,
        )
        assert answer.json()["status"] == "withdrawn"
    case_id = (await read(web, citizen.headers, delivered_first))["case_id"]
    async with workers(services):

        async def told() -> bool:
            events = await web.get(f"/api/v1/applications/{delivered_first}/events", headers=citizen.headers)
            return any(e["action"] == "withdrawal_delivered" for e in events.json()["items"])

        await eventually(told)
        outbox = services.wiring.get(Outbox)

        async def settled() -> bool:
            job = await outbox.find("application.withdraw", f"application:{withdrawn_first}:withdraw")
            return job is not None and job.state == "done"

        await eventually(settled)
    assert twin.cases[case_id].status == "withdrawn"
    assert [h.status for h in twin.cases[case_id].history].count("withdrawn") == 1
    # The one withdrawn first never became a case: its delivery job finished without sending.
    assert (await read(web, citizen.headers, withdrawn_first))["case_id"] is None
    deliver = await outbox.find(DELIVER, deliver_key(uuid.UUID(withdrawn_first)))
    assert deliver is not None
    assert deliver.state == "done"
