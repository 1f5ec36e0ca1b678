"""What the in-process benchmarks share (``tests/backend/*/bench.py``, not collected by pytest): a
throwaway PostgreSQL database with settings over it, and a rate measured with bounded concurrency."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import asyncpg

from backend.settings import Settings
from tests.conftest import PG_ADMIN_URL, _with_database, make_settings


@asynccontextmanager
async def throwaway_settings() -> AsyncIterator[Settings]:
    """Settings over a database of the bench's own, dropped afterwards (and a Redis prefix)."""
    name = f"suqian_bench_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(PG_ADMIN_URL)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    try:
        yield make_settings(_with_database(PG_ADMIN_URL, name), f"bench:{secrets.token_hex(4)}:")
    finally:
        admin = await asyncpg.connect(PG_ADMIN_URL)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def bounded(n: int, call: Callable[[int], Awaitable[object]], *, concurrency: int) -> float:
    """``call(0..n-1)``, ``concurrency`` at a time: calls per second."""
    gate = asyncio.Semaphore(concurrency)

    async def one(i: int) -> None:
        async with gate:
            await call(i)

    start = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(n)))
    return n / (time.perf_counter() - start)
