"""Benchmark rows for notifications, against PostgreSQL on this machine (not collected by pytest;
``uv run --no-sync python -m tests.backend.notification.bench``):

- notify: render the template + read the citizen's preferences (quiet hours) + insert the inbox row +
  enqueue, one transaction, 16 at a time, against its reference: an outbox enqueue alone in a
  transaction (what a feature would pay without the notification feature);
- sending: the notices sent by 2 outbox workers (claim, choose the channel — no authorisation, so SMS —
  read and open the phone, send with the job key as idempotency key, record), against its reference:
  the same SMS sent straight to the in-process gateway twin, 16 at a time, no outbox.
"""

from __future__ import annotations

import asyncio
import secrets
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from backend.application.notices import STATUS_CHANGED
from backend.database import migrate, transaction
from backend.notification.service import TOPIC, NotificationService
from backend.outbox.service import Outbox
from backend.settings import Settings
from backend.wiring import Wiring
from miniprogram_api.app import FEATURES, create_app
from tests.backend.application.conftest import eventually, workers
from tests.backend.citizen.factories import register
from tests.benching import bounded, throwaway_settings
from tests.conftest import http_client
from tests.services import Services

N = 2000
CONCURRENCY = 16


async def _bounded(n: int, call: Any) -> float:
    return await bounded(n, call, concurrency=CONCURRENCY)


async def run(settings: Settings) -> None:
    services = Services(Wiring(settings, FEATURES))
    async with services.lifespan():
        await migrate()
        engine, outbox = services.wiring.infra.engine, services.wiring.get(Outbox)
        notifications = services.wiring.get(NotificationService)
        async with http_client(create_app(settings, wiring=services.wiring)) as client:
            registered = await register(client)
        citizen = uuid.UUID(registered["citizen"]["id"])
        phone = registered["_person"]["phone"]
        await notifications.set_preferences(citizen, channels={}, quiet=None)
        run_id = secrets.token_hex(4)
        data = {
            "application_id": "x",
            "item": "居住证办理",
            "status": "已受理",
            "note": "",
            "at": datetime.now(UTC),
        }

        async def enqueue(i: int) -> None:
            async with transaction(engine):
                await outbox.enqueue("bench.reference", key=f"{run_id}:{i}", payload={"message_id": str(i)})

        async def notify(i: int) -> None:
            async with transaction(engine):
                await notifications.notify(citizen, template=STATUS_CHANGED, data=data, key=f"{run_id}:{i}")

        reference = await _bounded(N, enqueue)
        rate = await _bounded(N, notify)
        print(f"outbox enqueue alone (reference): {reference:,.0f}/s")
        print(f"notify (render + preferences + inbox row + enqueue): {rate:,.0f}/s ({rate / reference:.0%})")

        sms = services.wiring.infra.upstreams.sms

        async def direct(i: int) -> None:
            await sms.send(phone, "SQ_APPLICATION_STATUS", {"item": "居住证办理", "status": "已受理"},
                           idempotency_key=f"bench-direct-{run_id}-{i}")  # fmt: skip

        direct_rate = await _bounded(N, direct)
        start = time.perf_counter()
        async with workers(services, n=2):

            async def drained() -> bool:
                counts = await outbox.counts([TOPIC])
                return counts.get("pending", 0) + counts.get("running", 0) == 0

            await eventually(drained, within=3600)
        sent = N / (time.perf_counter() - start)
        message = await notifications.find_by_key(f"{run_id}:0")
        assert message is not None
        assert (message.state, message.channel) == ("sent", "sms")
        print(f"SMS gateway twin, direct (reference): {direct_rate:,.0f}/s")
        print(f"sending through the outbox, 2 workers: {sent:,.0f}/s ({sent / direct_rate:.0%})")


async def main() -> None:
    async with throwaway_settings() as settings:
        await run(settings)


if __name__ == "__main__":
    asyncio.run(main())
