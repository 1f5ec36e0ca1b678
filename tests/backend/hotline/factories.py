"""Filing 12345 tickets over HTTP, and the hotline's sync over a 12345 client of its own (so a drill's
failures never open the app's shared breaker)."""

from __future__ import annotations

import json
from typing import Any

import httpx

from backend.citizen.service import CitizenService
from backend.hotline.repository import HotlineRepository
from backend.hotline.service import FILE_TOPIC, HotlineService
from backend.hotline.sync import HotlineSync
from backend.notification.service import NotificationService
from backend.outbox.jobs import ClaimedJob
from backend.outbox.service import Outbox
from integrations import BreakerPolicy, UpstreamConfig
from integrations.hotline12345 import Hotline12345Client
from integrations.hotline12345.twin import HotlineState
from integrations.sandbox import SANDBOX_APP_KEY, SANDBOX_APP_SECRET
from integrations.sandbox.inprocess import SANDBOX_BASE_URL, in_process_transport
from tests.backend.application.factories import png
from tests.services import Services

COMPLAINT: dict[str, Any] = {
    "kind": "complaint",
    "category": "tourism",
    "title": "景区门票价格与公示不符",
    "content": "项王故里售票处实际收费120元，高于公示的80元，请核查。",
    "location": {
        "address": "宿迁市宿城区项王故里景区售票处",
        "district": "宿城区",
        "latitude": 33.96,
        "longitude": 118.28,
    },
    "contact_phone": "13905270001",
}


def twin(services: Services) -> HotlineState:
    sandbox = services.wiring.infra.upstreams.sandbox
    assert sandbox is not None
    state = sandbox.state("hotline12345")
    assert isinstance(state, HotlineState)
    return state


def sync_with_own_client(services: Services) -> HotlineSync:
    w = services.wiring
    sandbox = w.infra.upstreams.sandbox
    assert sandbox is not None
    client = Hotline12345Client(
        UpstreamConfig(
            base_url=f"{SANDBOX_BASE_URL}/hotline12345",
            app_key=SANDBOX_APP_KEY,
            app_secret=SANDBOX_APP_SECRET,
            breaker=BreakerPolicy(consecutive_failures=10_000, min_calls=10_000),
        ),
        transport=in_process_transport(sandbox),
    )
    return HotlineSync(
        repository=HotlineRepository(w.infra.engine),
        hotline=w.get(HotlineService),
        citizens=w.get(CitizenService),
        client=client,
        notifications=w.get(NotificationService),
        clock=w.infra.clock,
        engine=w.infra.engine,
    )


async def upload_photo(client: httpx.AsyncClient, headers: dict[str, str], payload: bytes = b"") -> str:
    sent = await client.post(
        "/api/v1/hotline/photos", content=png(payload), headers={**headers, "content-type": "image/png"}
    )
    assert sent.status_code == 201, sent.text
    return str(sent.json()["id"])


async def file_ticket(client: httpx.AsyncClient, headers: dict[str, str], **overrides: Any) -> httpx.Response:
    return await client.post("/api/v1/hotline/tickets", json=COMPLAINT | overrides, headers=headers)


async def job(services: Services, ticket_id: str, topic: str = FILE_TOPIC) -> ClaimedJob:
    key = f"{topic}:{ticket_id}"
    record = await services.wiring.get(Outbox).find(topic, key)
    assert record is not None
    payload = services.cipher.open(record.payload, column=f"outbox_job.payload:{topic}:{key}")
    json.loads(payload)  # a sealed JSON payload, opened
    return ClaimedJob(
        id=record.id, topic=topic, key=key, payload=payload, attempt=1, max_attempts=12, lease="t"
    )


async def reply(client: httpx.AsyncClient, ticket_no: str, text: str, *, close: bool = False) -> None:
    answered = await client.post(
        f"/_sandbox/hotline12345/tickets/{ticket_no}/replies",
        json={"department": "宿迁市文化广电和旅游局", "text": text, "close": close},
    )
    assert answered.status_code == 201, answered.text


async def poll_all(sync: HotlineSync) -> int:
    """Poll until a round finds nothing new (other tests' open tickets share the line)."""
    total = 0
    for _ in range(20):
        new = await sync.poll()
        total += new
        if not new:
            return total
    raise AssertionError("replies still arriving after 20 polls")
