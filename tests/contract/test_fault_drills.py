"""Fault drills: PostgreSQL connections killed mid-request and the database refusing connections,
Redis stopped and started again, every government twin hanging. During each: no 5xx but a 503 with a
stable code and Retry-After, every request answered (a 30 s client bound; no timing assertion),
``/health/ready`` naming the database or the store when it is down (and staying ready while only an
upstream is). After each: the same requests succeed, with no restart.

Each drill sweeps every operation of the route table (``tests.contract.drills.sweep``) as a caller
it admits, so a route that lands later is drilled as it is.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence

import asyncpg
import httpx
import msgspec
import pytest
from litestar import Litestar

from backend.settings import Settings
from integrations.sandbox import Faults
from tests.backend.citizen.factories import add_person, client_from, request_code
from tests.backend.staff.factories import make_staff
from tests.conftest import PG_ADMIN_URL
from tests.contract.callers import Caller, mint_callers
from tests.contract.drills import (
    Answer,
    app_over,
    bounded,
    felt,
    outage_failures,
    private_redis,
    start_sweep,
    sweep,
    with_redis,
)
from tests.contract.routes import operations
from tests.contract.runner import BOUND, Target, find_targets
from tests.services import Services

# Polls of a bounded wait (for the database to show blocked queries, for a breaker to let a probe
# through): a drill that never gets there fails instead of waiting for ever.
POLLS = 300


async def _mint(app: Litestar, services: Services) -> list[Caller]:
    row, password = await make_staff(services, role="operator")
    async with client_from(app) as client:
        return await mint_callers(client, operator=(row.username, password))


def _clean(answers: Sequence[Answer]) -> list[str]:
    """After recovery: nothing may still be unavailable."""
    return [str(a) for a in answers if a.response.status_code >= 500]


async def _ready(client: httpx.AsyncClient) -> httpx.Response:
    return await asyncio.wait_for(client.get("/health/ready"), BOUND)


@pytest.fixture(scope="module")
async def session_callers(app: Litestar, services: Services) -> list[Caller]:
    return await _mint(app, services)


@pytest.fixture
async def killer() -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(PG_ADMIN_URL)
    yield connection
    await connection.close()


async def _terminate(killer: asyncpg.Connection, database: str, *, spare: int) -> int:
    ended = await killer.fetch(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> $2",
        database,
        spare,
    )
    return len(ended)


async def test_postgres_connections_killed_mid_request(
    app: Litestar,
    services: Services,
    settings: Settings,
    session_callers: list[Caller],
    killer: asyncpg.Connection,
) -> None:
    database = settings.database.url.rpartition("/")[2]
    ops = operations(app)
    async with client_from(app) as client:
        send = bounded(client)
        targets = await find_targets(send, ops, session_callers)
        locker = await asyncpg.connect(settings.database.url)
        try:
            # Every table locked: each request that reaches the database blocks inside a query (the
            # pool's 8 connections), the rest wait for a connection.
            tables = await locker.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            names = ", ".join(f'"{row["tablename"]}"' for row in tables)
            await locker.execute(f"BEGIN; LOCK TABLE {names} IN ACCESS EXCLUSIVE MODE")
            tasks = start_sweep(send, ops, targets)
            # Those waiting for a connection give up after DatabaseSettings.acquire_timeout, while the
            # lock still holds: nothing waits for ever behind a stuck pool.
            for _ in range(POLLS):
                done = [t.result() for t in tasks if t.done()]
                if any(
                    "no database connection" in a.response.text for a in felt(done, "database.unavailable")
                ):
                    break
                await asyncio.sleep(0.1)
            else:
                pytest.fail("no request gave up waiting for a database connection")
            blocked = await killer.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'",
                database,
            )
            assert blocked > 0, "no query was blocked mid-request"
            await _terminate(killer, database, spare=locker.get_server_pid())
            await locker.execute("ROLLBACK")
        finally:
            await locker.close()
        answers = list(await asyncio.wait_for(asyncio.gather(*tasks), BOUND))
        assert outage_failures(answers) == []
        lost = [a for a in felt(answers, "database.unavailable") if "connection was lost" in a.response.text]
        assert lost, "no request saw its connection killed:\n" + "\n".join(map(str, answers))
        assert (await _ready(client)).status_code == 200
        assert _clean(await sweep(send, ops, targets)) == []


async def test_postgres_refusing_connections_is_503_and_readiness_names_it(
    app: Litestar,
    settings: Settings,
    session_callers: list[Caller],
    killer: asyncpg.Connection,
) -> None:
    database = settings.database.url.rpartition("/")[2]
    ops = operations(app)
    async with client_from(app) as client:
        send = bounded(client)
        targets = await find_targets(send, ops, session_callers)
        try:
            # What a database restart or failover looks like to the pool: every connection ends and
            # no new one is accepted (superusers included).
            await killer.execute(f'ALTER DATABASE "{database}" WITH ALLOW_CONNECTIONS false')
            await _terminate(killer, database, spare=0)
            answers = await sweep(send, ops, targets)
            ready = await _ready(client)
        finally:
            await killer.execute(f'ALTER DATABASE "{database}" WITH ALLOW_CONNECTIONS true')
        assert outage_failures(answers) == []
        assert felt(answers, "database.unavailable")
        assert ready.status_code == 503
        assert ready.json()["code"] == "health.not_ready"
        assert ready.json()["extra"]["failed"] == ["database"]
        assert (await _ready(client)).status_code == 200
        assert _clean(await sweep(send, ops, targets)) == []


async def test_redis_stopped_and_started_again(settings: Settings, services: Services) -> None:
    async with private_redis() as redis, app_over(services, with_redis(settings, redis.url)) as (app, _):
        ops = operations(app)
        callers = await _mint(app, services)
        async with client_from(app) as client:
            send = bounded(client)
            targets: dict[str, Target] = await find_targets(send, ops, callers)
            await redis.stop()
            # A worker keeps the tokens the store called live until the revocation epoch moves, and
            # forgets them all once the epoch can't be read (fail closed, backend/auth/revocation.py):
            # wait until a token is checked against the store again, so every route meets the outage.
            citizen = next(c for c in callers if c.name == "citizen")
            for _ in range(POLLS):
                me = await client.get("/api/v1/me", headers=citizen.headers)
                if me.status_code != 200:
                    break
                await asyncio.sleep(0.1)
            assert me.status_code == 503, me.text
            assert me.json()["code"] == "store.unavailable"
            answers = await sweep(send, ops, targets)
            ready = await _ready(client)
            await redis.start()
            back = await _ready(client)
            after = await sweep(send, ops, targets)
    assert outage_failures(answers) == []
    assert felt(answers, "store.unavailable")
    assert ready.status_code == 503
    assert ready.json()["extra"]["failed"] == ["redis"]
    assert back.status_code == 200, back.text
    assert _clean(after) == []


async def test_government_systems_that_hang(settings: Settings, services: Services) -> None:
    upstream = msgspec.structs.replace(
        settings.upstream, read_timeout=0.5, total_timeout=1.0, breaker_open_seconds=0.2
    )
    drill = msgspec.structs.replace(
        settings,
        upstream=upstream,
        redis=msgspec.structs.replace(settings.redis, key_prefix=f"{settings.redis.key_prefix}hang:"),
    )
    async with app_over(services, drill) as (app, own):
        ops = operations(app)
        callers = await _mint(app, services)
        async with client_from(app) as client:
            send = bounded(client)
            targets = await find_targets(send, ops, callers)
            person = await add_person(client)
            code = await request_code(client, person["phone"], "register")
            sandbox = own.upstreams.sandbox  # the drill app's own twins, not the session's
            assert sandbox is not None
            for twin in sandbox.twins.values():
                twin.faults.faults = Faults(latency_ms=60_000)
            register = {**person, "sms_code": code}
            hung, answers, ready = await asyncio.gather(
                asyncio.wait_for(client.post("/api/v1/auth/register", json=register), BOUND),
                sweep(send, ops, targets),
                _ready(client),
            )
            for twin in sandbox.twins.values():
                twin.faults.faults = Faults()
            recovered = None
            for _ in range(POLLS):
                after = await sweep(send, ops, targets)
                if not _clean(after):
                    recovered = after
                    break
                await asyncio.sleep(0.1)
            again = await client.post(
                "/api/v1/auth/register",
                json={**person, "sms_code": await request_code(client, person["phone"], "register")},
            )
    assert outage_failures(answers) == []
    # Registration asks the population registry, the operators and the face platform in turn: the
    # first that hangs answers for all, at its deadline (UpstreamSettings.total_timeout).
    assert hung.status_code == 503, hung.text
    assert hung.json()["code"] == "citizen.registry_unavailable"
    assert "retry-after" in hung.headers
    # The sweep's other callers of a system (an SMS send, the mini-program logins) name theirs.
    upstream_codes = {a.code for a in answers if a.response.status_code == 503}
    assert upstream_codes, "no operation reached a hanging system"
    assert not upstream_codes & {"database.unavailable", "store.unavailable"}
    # An upstream outage is no reason to take every worker out of rotation: readiness stays ready
    # (it names the database and the store only), and each answer names the system that is down.
    assert ready.status_code == 200
    assert recovered is not None, "still unavailable after the systems came back"
    assert again.status_code == 201, again.text
