"""The reference apps every endpoint is measured against, in the same run, served the same way.

``hello``: Litestar returning a msgspec Struct (the framework's floor, research/perf.md b-1).
``redis``: the same plus one Redis GET through a ``BlockingConnectionPool`` (the default asyncio pool
raises ``MaxConnectionsError`` under load instead of waiting, research/perf.md b-3).

Both are granian factories; the Redis app reads ``BENCH_REDIS_URL`` and ``BENCH_REDIS_KEY``, which
``load_tests.stack.serve`` is given by the bench.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import msgspec
import redis.asyncio as redis_asyncio
from litestar import Litestar, get


class Message(msgspec.Struct, frozen=True):
    message: str


@get("/", sync_to_thread=False)
def hello() -> Message:
    return Message(message="Hello, World!")


def hello_app() -> Litestar:
    return Litestar([hello], openapi_config=None, debug=False)


def redis_app() -> Litestar:
    url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
    key = os.environ.get("BENCH_REDIS_KEY", "bench:greeting")
    # 64: a pool as an app on redis-py would have (the API itself pipelines on one connection).
    pool = redis_asyncio.BlockingConnectionPool.from_url(url, max_connections=64, timeout=5)
    client = redis_asyncio.Redis(connection_pool=pool, decode_responses=False)

    @get("/")
    async def greeting() -> Message:
        value = await client.get(key)
        return Message(message=value.decode() if isinstance(value, bytes) else str(value or ""))

    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await client.aclose()
            await pool.disconnect()

    return Litestar([greeting], openapi_config=None, debug=False, lifespan=[lifespan])
