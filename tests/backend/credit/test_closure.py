"""Closing the account of a citizen with a credit objection: refused while the objection has not
reached the credit platform yet (it would be dropped unfiled); once the platform has it, the
objection is its record and our copy goes with the account."""

from __future__ import annotations

import httpx

from backend.credit.service import TOPIC
from backend.credit.tables import CreditObjection
from backend.datarights.service import DataRightsService
from backend.outbox.jobs import ClaimedJob
from backend.outbox.service import Outbox
from tests.backend.credit.factories import credit_with_own_client, make_subject
from tests.services import Services


async def test_a_queued_objection_blocks_closure_and_a_received_one_goes_with_the_account(
    client: httpx.AsyncClient, services: Services
) -> None:
    subject = await make_subject(client)
    filed = await client.post(
        "/api/v1/credit/objections",
        json={
            "record_id": subject.record_id,
            "reason": "该笔债务已于2025年全部清偿",
            "contact_phone": subject.phone,
        },
        headers=subject.headers,
    )
    assert filed.status_code == 201, filed.text
    objection_id = filed.json()["id"]
    refused = await client.post("/api/v1/data-rights/closure", headers=subject.headers)
    assert refused.status_code == 409, refused.text
    assert [b["code"] for b in refused.json()["extra"]["blockers"]] == ["credit.objection_queued"]

    key = f"credit.objection:{objection_id}"
    record = await services.wiring.get(Outbox).find(TOPIC, key)
    assert record is not None
    payload = services.cipher.open(record.payload, column=f"outbox_job.payload:{TOPIC}:{key}")
    job = ClaimedJob(
        id=record.id, topic=TOPIC, key=key, payload=payload, attempt=1, max_attempts=12, lease="t"
    )
    await credit_with_own_client(services).deliver(job)
    read = await client.get(f"/api/v1/credit/objections/{objection_id}", headers=subject.headers)
    assert read.json()["status"] == "received"

    asked = await client.post("/api/v1/data-rights/closure", headers=subject.headers)
    assert asked.status_code == 202, asked.text
    await services.wiring.get(DataRightsService).finish_closure(subject.id)
    assert await CreditObjection.count().where(CreditObjection.citizen_id == subject.id) == 0
