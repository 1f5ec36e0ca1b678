"""A per-citizen cap on code issuance that a real app never reaches (issue 21, row 15c): 30 a minute in
bursts of 10, counted in the worker's memory (``backend.code.throttle``), answered 429
``code.issue_rate_limited`` with ``Retry-After``."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import httpx
import pytest

from backend.code.errors import IssueRateLimited
from backend.code.throttle import IssueThrottle
from tests.backend.auth.clock import ManualClock
from tests.backend.code.factories import make_citizen, worker_at
from tests.services import Services


async def test_a_citizen_fetching_codes_faster_than_any_app_gets_429_with_retry_after(
    client: httpx.AsyncClient, services: Services
) -> None:
    citizen, other = await make_citizen(services), await make_citizen(services)
    answers = [await client.get("/api/v1/citizen-code", headers=citizen.headers) for _ in range(20)]
    statuses = [response.status_code for response in answers]
    assert statuses[:10] == [200] * 10
    refused = next(response for response in answers if response.status_code != 200)
    assert refused.status_code == 429
    assert refused.json()["code"] == "code.issue_rate_limited"
    assert int(refused.headers["retry-after"]) >= 1
    # The cap is the citizen's own: another one is served as usual.
    assert (await client.get("/api/v1/citizen-code", headers=other.headers)).status_code == 200


async def test_the_cap_allows_a_burst_of_10_then_one_code_every_2_seconds(services: Services) -> None:
    clock = ManualClock(datetime.now(UTC))
    codes, citizen = worker_at(services, clock).code, (await make_citizen(services)).id
    for _ in range(10):
        await codes.issue(citizen)
    with pytest.raises(IssueRateLimited) as refused:
        await codes.issue(citizen)
    assert refused.value.headers() == {"retry-after": "2"}
    clock.advance(2)
    await codes.issue(citizen)
    # A minute of an app refreshing every 20 s, and more, never comes near it.
    issued = 0
    for _ in range(60):
        clock.advance(1)
        try:
            await codes.issue(citizen)
            issued += 1
        except IssueRateLimited:
            pass
    assert issued == 30


def test_an_app_refreshing_every_20_seconds_is_never_refused() -> None:
    now = [0.0]
    throttle = IssueThrottle(per_minute=30, burst=10, max_keys=10, monotonic=lambda: now[0])
    citizen = uuid.uuid4()
    for second in range(0, 3600, 20):
        now[0] = float(second)
        # The code, the QR image and a screen switch: three at once every refresh.
        assert [throttle.take(citizen) for _ in range(3)] == [0.0] * 3


def test_memory_is_bounded_and_idle_citizens_are_forgotten_first() -> None:
    now = [0.0]
    throttle = IssueThrottle(per_minute=30, burst=10, max_keys=100, monotonic=lambda: now[0])
    busy = uuid.uuid4()
    for _ in range(10):
        throttle.take(busy)
    for i in range(1000):
        throttle.take(uuid.uuid4())  # a thousand citizens, one code each, 20 a second
        if i % 20 == 0:
            throttle.take(busy)  # one a second: twice the steady rate, so always at the cap
        now[0] += 0.05
        assert len(throttle) <= 100
    # Kept through every pass (a forgotten citizen would start afresh with a burst of 10).
    assert max(throttle.take(busy) for _ in range(2)) > 0
