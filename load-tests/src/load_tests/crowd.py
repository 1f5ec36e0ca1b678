"""A load generator for slow endpoints whose limits are per client: many clients, each its own address.

wrk sends everything from 127.0.0.1, and the API allows one address 30 logins per 15 minutes; a real
login storm comes from thousands of phones. For endpoints that cost milliseconds each (argon2 logins),
a Python generator is cheap enough (tens of requests a second), so this one opens each connection from
a fresh 127.0.x.y (all of 127.0.0.0/8 is this machine) and moves to the next address well before the
per-address limit. Reports the same ``WrkResult`` as wrk, so the table treats both alike.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import time
from collections.abc import Iterator, Sequence

import httpx

from load_tests.wrk import RequestSpec, WrkResult


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (as wrk reports it) of already sorted values; 0 when empty."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def summarise(
    latencies_s: Sequence[float], *, duration_s: float, socket_errors: int, status_errors: int
) -> WrkResult:
    ordered = sorted(latencies_s)
    return WrkResult(
        requests=len(ordered) + socket_errors,
        duration_s=duration_s,
        p50_ms=percentile(ordered, 0.50) * 1000,
        p90_ms=percentile(ordered, 0.90) * 1000,
        p99_ms=percentile(ordered, 0.99) * 1000,
        max_ms=(ordered[-1] if ordered else 0.0) * 1000,
        socket_errors=socket_errors,
        status_errors=status_errors,
    )


async def _drive(
    base_url: str,
    spec: RequestSpec,
    *,
    connections: int,
    duration_s: float,
    sources: Iterator[str],
    per_source: int,
    timeout_s: float,
) -> WrkResult:
    bodies = itertools.cycle(spec.bodies or [""])
    latencies: list[float] = []
    errors = {"socket": 0, "status": 0}
    start = time.perf_counter()
    deadline = start + duration_s

    async def client_loop() -> None:
        while time.perf_counter() < deadline:
            transport = httpx.AsyncHTTPTransport(local_address=next(sources))
            async with httpx.AsyncClient(base_url=base_url, transport=transport, timeout=timeout_s) as client:
                for _ in range(per_source):
                    if time.perf_counter() >= deadline:
                        return
                    body = next(bodies)
                    sent = time.perf_counter()
                    try:
                        response = await client.request(
                            spec.method, spec.path, headers=dict(spec.headers), content=body or None
                        )
                    except httpx.HTTPError:
                        errors["socket"] += 1
                        continue
                    if time.perf_counter() > deadline:
                        return  # like wrk: what completes after the end is not counted
                    latencies.append(time.perf_counter() - sent)
                    if response.status_code >= 400:
                        errors["status"] += 1

    tasks = [asyncio.ensure_future(client_loop()) for _ in range(connections)]
    # Requests still in flight at the end are not counted (as with wrk); don't wait seconds for them.
    _, pending = await asyncio.wait(tasks, timeout=max(0.0, deadline - time.perf_counter()) + 0.05)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    return summarise(
        latencies,
        duration_s=min(time.perf_counter(), deadline) - start,
        socket_errors=errors["socket"],
        status_errors=errors["status"],
    )


def run_crowd(
    base_url: str,
    spec: RequestSpec,
    *,
    connections: int,
    duration_s: float,
    sources: Iterator[str],
    per_source: int = 20,
    timeout_s: float = 30.0,
) -> WrkResult:
    """``connections`` clients in a loop for ``duration_s``; each address sends ``per_source`` requests."""
    return asyncio.run(
        _drive(
            base_url,
            spec,
            connections=connections,
            duration_s=duration_s,
            sources=sources,
            per_source=per_source,
            timeout_s=timeout_s,
        )
    )
