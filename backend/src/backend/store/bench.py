"""CPU per ``SET NX`` in this process: redis-py (what the store used) against the pipelined client.

``uv run python -m backend.store.bench [redis-url]`` — 64 commands in flight, as on a busy worker,
then one at a time; the rounds alternate. Keys are written under ``bench:store:`` with a 60 s expiry.
Measured on 2026-12-04 (2 vCPU, Redis 7 on loopback): redis-py 56–72 µs of CPU a command at 64 in
flight, the pipelined client 5.3–5.4 µs; one at a time 100 µs against 42 µs (each its own write).
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Awaitable, Callable

import uvloop
from redis.asyncio import BlockingConnectionPool, Redis

from backend.store.resp import PipelinedRedis

COMMANDS = 20_000


async def _measure(
    command: Callable[[str], Awaitable[object]], in_flight: int, round_: int
) -> tuple[float, float]:
    each = COMMANDS // in_flight

    async def caller(n: int) -> None:
        for i in range(each):
            await command(f"bench:store:{round_}:{n}:{i}")

    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*(caller(n) for n in range(in_flight)))
    done = each * in_flight
    return (time.process_time() - cpu) / done * 1e6, done / (time.perf_counter() - wall)


async def main(url: str) -> None:
    pool = BlockingConnectionPool.from_url(url, max_connections=64, timeout=2)
    redis_py = Redis(connection_pool=pool)
    pipelined = PipelinedRedis(url)

    async def through_redis_py(key: str) -> object:
        return await redis_py.set(key, b"x", px=60_000, nx=True)

    async def through_pipelined(key: str) -> object:
        return await pipelined.execute("SET", key, b"x", "PX", 60_000, "NX")

    round_ = 0
    for in_flight in (64, 1):
        for _ in range(2):
            for name, command in (("redis-py", through_redis_py), ("pipelined", through_pipelined)):
                round_ += 1
                cpu_us, rate = await _measure(command, in_flight, round_)
                print(f"{in_flight:>2} in flight  {name:<10} {cpu_us:6.1f} µs CPU a command  {rate:9,.0f}/s")
    await redis_py.aclose()
    await pool.disconnect()
    await pipelined.close()


if __name__ == "__main__":
    uvloop.run(main(sys.argv[1] if len(sys.argv) > 1 else "redis://127.0.0.1:6379/0"))
