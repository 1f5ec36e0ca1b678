"""Shared fixtures: a fresh PostgreSQL database per run and an isolated Redis key space per run.

Our own storage is always the real thing. The test command (scripts/test.sh) makes sure PostgreSQL and
Redis are up; if they aren't, these fixtures fail loudly instead of skipping.
"""

from __future__ import annotations

import base64
import logging
import os
import secrets
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest
import redis.asyncio as redis_asyncio
from litestar import Litestar

from backend.catalogue.feature import seed_catalogue
from backend.database import migrate
from backend.outbox.settings import OutboxSettings
from backend.settings import DatabaseSettings, RedisSettings, SecretSettings, Settings, UpstreamSettings
from backend.warning.settings import WarningSettings
from backend.wiring import Wiring
from miniprogram_api.app import FEATURES, create_app
from tests.services import Services

PG_ADMIN_URL = os.environ.get("SUQIAN_TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("SUQIAN_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture(autouse=True)
def declared_problems_only(request: pytest.FixtureRequest) -> Iterator[_Collect]:
    """Every problem any test provokes must be one its route declares (``backend.access``): an answer
    the OpenAPI document does not list fails the test that caused it. A test about the check itself
    is marked ``undeclared_problems`` and reads what was caught from this fixture."""
    caught = _Collect()
    logger = logging.getLogger("backend.contract")
    logger.addHandler(caught)
    try:
        yield caught
    finally:
        logger.removeHandler(caught)
    if caught.messages and request.node.get_closest_marker("undeclared_problems") is None:
        pytest.fail("answers the routes do not declare:\n" + "\n".join(caught.messages), pytrace=False)


def _with_database(url: str, name: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}"


@pytest.fixture(scope="session")
async def pg_url() -> AsyncIterator[str]:
    name = f"suqian_test_{secrets.token_hex(4)}"
    try:
        admin = await asyncpg.connect(PG_ADMIN_URL)
    except (OSError, asyncpg.PostgresError) as exc:
        pytest.fail(f"PostgreSQL is not reachable at {PG_ADMIN_URL} ({exc}); run scripts/test.sh")
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    yield _with_database(PG_ADMIN_URL, name)
    admin = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture(scope="session")
async def redis_prefix() -> AsyncIterator[str]:
    prefix = f"test:{secrets.token_hex(4)}:"
    client = redis_asyncio.Redis.from_url(REDIS_URL)
    try:
        await client.ping()
    except (OSError, redis_asyncio.RedisError) as exc:
        pytest.fail(f"Redis is not reachable at {REDIS_URL} ({exc}); run scripts/test.sh")
    yield prefix
    keys = [key async for key in client.scan_iter(match=prefix + "*", count=1000)]
    if keys:
        await client.delete(*keys)
    await client.aclose()


def make_settings(pg_url: str, redis_prefix: str, **overrides: object) -> Settings:
    # Benchmark mode: production's stack (PostgreSQL, Redis) on the sandbox twins, mounted so tests
    # can seed residents and read the SMS outbox; production never mounts them (create_app refuses).
    values: dict[str, object] = {
        "mode": "benchmark",
        # Uploaded materials go to <data dir>/blobs: a folder of the test run, not the checkout's data/.
        "data_dir": Path(tempfile.mkdtemp(prefix="suqian-test-")),
        "database": DatabaseSettings(url=pg_url, pool_min=1, pool_max=8),
        "redis": RedisSettings(url=REDIS_URL, key_prefix=redis_prefix),
        "secrets": SecretSettings(
            data_key=secrets.token_bytes(32),
            index_key=secrets.token_bytes(32),
            bootstrap_admin_password=base64.b64encode(secrets.token_bytes(12)).decode(),
        ),
        "upstream": UpstreamSettings(mount_sandbox=True),
        # Tests drive the outbox's workers themselves (tests/backend/application/conftest.py), so a
        # drill decides when a job runs; the embedded smoke suite runs them in-process.
        # Likewise the warning fan-out (tests/backend/warning).
        "features": {
            "outbox": OutboxSettings(in_process=False),
            "warning": WarningSettings(in_process=False),
        },
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def settings(pg_url: str, redis_prefix: str) -> Settings:
    return make_settings(pg_url, redis_prefix)


# The app fixtures live here, not in tests/backend, because tests/miniprogram_api drives the same
# session wiring: two wirings would bind two engines in one process.
@pytest.fixture(scope="session")
async def services(settings: Settings) -> AsyncIterator[Services]:
    """The services of the session's app, wired by the app's own feature list."""
    services = Services(Wiring(settings, FEATURES))
    async with services.lifespan():
        await migrate()
        # What start-up does outside production (on_startup does not run under httpx's ASGITransport).
        await seed_catalogue(services.wiring)
        yield services


@pytest.fixture(scope="session")
async def app(settings: Settings, services: Services) -> Litestar:
    return create_app(settings, wiring=services.wiring)


def http_client(app: Litestar) -> httpx.AsyncClient:
    """An HTTP client that drives ``app`` in this event loop (Litestar's AsyncTestClient runs the app
    in a thread of its own, where the session's connection pools can't follow)."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")  # type: ignore[arg-type]


@pytest.fixture(scope="session")
async def client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    async with http_client(app) as client:
        yield client
