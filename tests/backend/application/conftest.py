"""Applications on PostgreSQL: a registered citizen, the seed catalogue, and outbox workers the test
starts itself (the session runs none, so a drill decides when a job runs). The session seeds the
catalogue (tests/conftest.py), as start-up does."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx

from backend.clock import Clock, SystemClock
from backend.outbox.feature import handlers
from backend.outbox.jobs import Handler
from backend.outbox.repository import OutboxRepository
from backend.outbox.settings import OutboxSettings
from backend.outbox.worker import OutboxWorker
from integrations.cases.twin import CasesState
from tests.backend.citizen.factories import web
from tests.services import Services

__all__ = ["web"]

FAST = OutboxSettings(poll_interval=0.02, batch=50, lease_seconds=30, backoff_base=0.05, backoff_cap=0.5)


def cases_twin(services: Services) -> CasesState:
    sandbox = services.wiring.infra.upstreams.sandbox
    assert sandbox is not None
    state = sandbox.state("cases")
    assert isinstance(state, CasesState)
    return state


def worker(
    services: Services,
    *,
    name: str = "test worker",
    clock: Clock | None = None,
    settings: OutboxSettings = FAST,
    override: dict[str, Handler] | None = None,
) -> OutboxWorker:
    return OutboxWorker(
        name,
        repository=OutboxRepository(services.wiring.infra.engine),
        handlers={**handlers(services.wiring), **(override or {})},
        settings=settings,
        clock=clock or SystemClock(),
        cipher=services.wiring.infra.cipher,
    )


@asynccontextmanager
async def workers(services: Services, n: int = 2) -> AsyncIterator[list[OutboxWorker]]:
    """``n`` workers running while the block runs (stopped, bounded, when it ends)."""
    running = [worker(services, name=f"test worker {i}") for i in range(n)]
    tasks = [asyncio.create_task(w.run()) for w in running]
    try:
        yield running
    finally:
        for w in running:
            w.stop()
        await asyncio.wait_for(asyncio.gather(*tasks), 30)


async def eventually(check: Callable[[], Awaitable[bool]], *, within: float = 20.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, "not within the time"
        await asyncio.sleep(0.05)


async def read(client: httpx.AsyncClient, headers: dict[str, str], application_id: str | uuid.UUID) -> Any:
    answer = await client.get(f"/api/v1/applications/{application_id}", headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()
