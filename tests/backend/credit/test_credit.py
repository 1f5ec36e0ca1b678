"""Credit over HTTP on PostgreSQL: a citizen's own report, public disclosures paged by cursor, and an
objection saved at once, delivered to the platform exactly once (also across its outage and a lost
answer), followed to its decision and told to the citizen; nobody else sees it."""

from __future__ import annotations

import uuid

import httpx
import pytest

from backend.credit.errors import CreditUnavailable
from backend.credit.service import TOPIC, CreditService
from backend.outbox.jobs import ClaimedJob, RetryLater
from backend.outbox.service import Outbox
from integrations.credit.twin import ENTERPRISES, CreditState
from tests.backend.credit.factories import Subject, add_record, credit_with_own_client, make_subject
from tests.backend.hotel.factories import make_guest
from tests.services import Services

BUILDING = ENTERPRISES[3]


def twin(services: Services) -> CreditState:
    sandbox = services.wiring.infra.upstreams.sandbox
    assert sandbox is not None
    state = sandbox.state("credit")
    assert isinstance(state, CreditState)
    return state


async def _object(client: httpx.AsyncClient, subject: Subject, **body: str) -> httpx.Response:
    return await client.post(
        "/api/v1/credit/objections",
        json={
            "record_id": subject.record_id,
            "reason": "该笔债务已于2025年全部清偿",
            "contact_phone": subject.phone,
        }
        | body,
        headers=subject.headers,
    )


async def _job(services: Services, objection_id: str) -> ClaimedJob:
    key = f"credit.objection:{objection_id}"
    record = await services.wiring.get(Outbox).find(TOPIC, key)
    assert record is not None
    payload = services.cipher.open(record.payload, column=f"outbox_job.payload:{TOPIC}:{key}")
    return ClaimedJob(
        id=record.id, topic=TOPIC, key=key, payload=payload, attempt=1, max_attempts=12, lease="t"
    )


async def test_a_citizen_reads_their_own_report(client: httpx.AsyncClient) -> None:
    subject = await make_subject(client)
    report = await client.get("/api/v1/credit/report", headers=subject.headers)
    assert report.status_code == 200, report.text
    assert [(r["record_id"], r["category"]) for r in report.json()["records"]] == [
        (subject.record_id, "dishonest")
    ]


async def test_a_citizen_the_platform_does_not_know_is_told_so(client: httpx.AsyncClient) -> None:
    stranger = await make_guest(client, pays=False)
    report = await client.get("/api/v1/credit/report", headers=stranger.headers)
    assert (report.status_code, report.json()["code"]) == (404, "credit.subject_unknown")


async def test_the_platform_down_is_a_503_with_its_code(
    client: httpx.AsyncClient, services: Services
) -> None:
    subject = await make_subject(client)
    await client.post("/_sandbox/credit/faults", json={"down": True})
    try:
        # One call through the app's shared client (three tries: under the breaker's five in a row).
        report = await client.get("/api/v1/credit/report", headers=subject.headers)
        with pytest.raises(CreditUnavailable):
            await credit_with_own_client(services).disclosures("宿迁", category=None, cursor=None, limit=5)
    finally:
        await client.post("/_sandbox/credit/faults/reset")
    assert (report.status_code, report.json()["code"]) == (503, "credit.unavailable")
    assert report.headers["retry-after"] == "5"
    again = await client.get("/api/v1/credit/report", headers=subject.headers)
    assert again.status_code == 200, again.text


async def test_disclosures_page_by_cursor_for_anyone(client: httpx.AsyncClient) -> None:
    first = await client.get("/api/v1/credit/disclosures", params={"q": "宿迁", "limit": 1})
    assert first.status_code == 200, first.text
    cursor = first.json()["next_cursor"]
    assert cursor
    rest = await client.get("/api/v1/credit/disclosures", params={"q": "宿迁", "limit": 1, "cursor": cursor})
    ids = [d["record"]["record_id"] for d in first.json()["items"] + rest.json()["items"]]
    assert ids == ["CR1001", "CR1002"]
    assert rest.json()["next_cursor"] is None
    by_code = await client.get(
        "/api/v1/credit/disclosures", params={"q": BUILDING.credit_code, "category": "dishonest"}
    )
    assert [(d["name"], d["record"]["category"]) for d in by_code.json()["items"]] == [
        (BUILDING.name, "dishonest")
    ]
    assert by_code.json()["next_cursor"] is None


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"q": "宿"}, "credit.query_invalid"),
        ({"q": "  \t "}, "credit.query_invalid"),
        ({"q": "宿迁", "cursor": "not-a-cursor!"}, "request.cursor_invalid"),
    ],
)
async def test_a_bad_search_is_a_422_with_its_code(
    client: httpx.AsyncClient, params: dict[str, str], code: str
) -> None:
    answer = await client.get("/api/v1/credit/disclosures", params=params)
    assert (answer.status_code, answer.json()["code"]) == (422, code)


async def test_an_objection_is_delivered_once_and_followed_to_its_decision(
    client: httpx.AsyncClient, services: Services
) -> None:
    subject = await make_subject(client)
    filed = await _object(client, subject)
    assert filed.status_code == 201, filed.text
    objection = filed.json()
    assert (objection["status"], objection["platform_objection_id"]) == ("queued", None)
    credit = credit_with_own_client(services)
    job = await _job(services, objection["id"])

    await client.post("/_sandbox/credit/faults", json={"down": True})
    try:
        with pytest.raises(RetryLater):
            await credit.deliver(job)  # the platform is down: retried later, still queued
    finally:
        await client.post("/_sandbox/credit/faults/reset")
    read = await client.get(f"/api/v1/credit/objections/{objection['id']}", headers=subject.headers)
    assert read.json()["status"] == "queued"

    # A try whose answer was lost (the platform has it; we recorded nothing), then the retry.
    receipt = await credit._client.file_objection(
        subject.record_id,
        applicant_id_number=subject.id_number,
        reason="该笔债务已于2025年全部清偿",
        contact_phone=subject.phone,
        idempotency_key=job.key,
    )
    await credit.deliver(job)
    await credit.deliver(job)  # a worker that died before marking the job done: runs again
    received = await client.get(f"/api/v1/credit/objections/{objection['id']}", headers=subject.headers)
    assert (received.json()["status"], received.json()["platform_objection_id"]) == (
        "received",
        receipt.objection_id,
    )
    assert [o.record_id for o in twin(services).objections].count(subject.record_id) == 1

    decided = await client.post(
        f"/_sandbox/credit/objections/{receipt.objection_id}/decision",
        json={"status": "upheld", "reply": "经核实，该记录已修复"},
    )
    assert decided.status_code == 200, decided.text
    await _poll_until_decided(credit, services)
    final = (await client.get(f"/api/v1/credit/objections/{objection['id']}", headers=subject.headers)).json()
    assert (final["status"], final["reply"]) == ("upheld", "经核实，该记录已修复")
    assert final["decided_at"] is not None
    inbox = await client.get("/api/v1/notifications", headers=subject.headers)
    told = [m for m in inbox.json()["items"] if m["template"] == "credit.objection_decided"]
    assert len(told) == 1
    assert "已更正" in told[0]["body"]


async def _poll_until_decided(credit: CreditService, services: Services) -> None:
    # Others' objections may wait in line before this one: poll until the line is empty.
    for _ in range(20):
        await credit.poll()
        if not await credit._repository.awaiting(limit=1):
            return
    raise AssertionError("objections still awaiting after 20 polls")


async def test_an_objection_the_platform_refuses_shows_why(
    client: httpx.AsyncClient, services: Services
) -> None:
    subject, other = await make_subject(client), await make_subject(client)
    # An objection to someone else's record: the platform refuses it (not_record_subject).
    filed = await _object(client, subject, record_id=other.record_id)
    assert filed.status_code == 201, filed.text
    await credit_with_own_client(services).deliver(await _job(services, filed.json()["id"]))
    read = (
        await client.get(f"/api/v1/credit/objections/{filed.json()['id']}", headers=subject.headers)
    ).json()
    assert (read["status"], read["refusal"]) == ("refused", "not_record_subject")


async def test_one_objection_per_record_and_nobody_else_sees_it(client: httpx.AsyncClient) -> None:
    subject, stranger = await make_subject(client), await make_subject(client)
    first = await _object(client, subject)
    again = await _object(client, subject, reason="再次提出异议申请")
    assert (again.status_code, again.json()["code"]) == (409, "credit.objection_exists")
    path = f"/api/v1/credit/objections/{first.json()['id']}"
    assert (await client.get(path, headers=stranger.headers)).json()["code"] == "credit.objection_not_found"
    mine = await client.get("/api/v1/credit/objections", headers=subject.headers)
    theirs = await client.get("/api/v1/credit/objections", headers=stranger.headers)
    assert [o["id"] for o in mine.json()["items"]] == [first.json()["id"]]
    assert theirs.json()["items"] == []
    missing = await client.get(f"/api/v1/credit/objections/{uuid.uuid4()}", headers=subject.headers)
    assert missing.status_code == 404


async def test_a_second_record_can_be_objected_to_separately(client: httpx.AsyncClient) -> None:
    subject = await make_subject(client)
    other_record = await add_record(client, subject.id_number, category="admin_penalty")
    assert (await _object(client, subject)).status_code == 201
    assert (await _object(client, subject, record_id=other_record)).status_code == 201
