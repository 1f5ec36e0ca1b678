"""Operators see the dead letter and replay it over HTTP."""

from __future__ import annotations

import secrets
import uuid

import httpx
from litestar import Litestar
from piccolo.querystring import QueryString

from backend.database import transaction
from backend.outbox.service import Outbox
from tests.backend.staff.factories import staff_token
from tests.services import Services


async def test_an_operator_lists_the_dead_letter_and_replays_a_job(
    app: Litestar, client: httpx.AsyncClient, services: Services
) -> None:
    outbox = services.wiring.get(Outbox)
    engine = services.wiring.infra.engine
    topic = f"test.{secrets.token_hex(4)}"
    async with transaction(engine):
        await outbox.enqueue(topic, key="k", payload="{}", max_attempts=1)
    job = await outbox.find(topic, "k")
    assert job is not None
    # Dead-letter it as a worker would after its budget (the topic has no handler in this app).
    await engine.run_querystring(
        QueryString("UPDATE outbox_job SET state = 'dead', last_error = 'down' WHERE id = {}", job.id)
    )
    auth = {"authorization": f"Bearer {await staff_token(app, services, role='operator')}"}

    listed = await client.get("/api/v1/admin/outbox", params={"state": "dead", "topic": topic}, headers=auth)
    assert listed.status_code == 200, listed.text
    body = listed.json()
    assert [item["id"] for item in body["items"]] == [str(job.id)]
    assert body["items"][0]["last_error"] == "down"
    assert body["counts"]["dead"] >= 1

    replayed = await client.post(f"/api/v1/admin/outbox/{job.id}/replay", headers=auth)
    assert replayed.status_code == 200, replayed.text
    assert replayed.json()["state"] == "pending"
    assert replayed.json()["replays"] == 1
    again = await client.post(f"/api/v1/admin/outbox/{job.id}/replay", headers=auth)
    assert again.status_code == 409
    assert again.json()["code"] == "outbox.job_not_dead"
    missing = await client.get(f"/api/v1/admin/outbox/{uuid.uuid4()}", headers=auth)
    assert missing.status_code == 404
    assert missing.json()["code"] == "outbox.job_not_found"
    counter = {"authorization": f"Bearer {await staff_token(app, services, role='counter')}"}
    assert (await client.get("/api/v1/admin/outbox", headers=counter)).status_code == 403
