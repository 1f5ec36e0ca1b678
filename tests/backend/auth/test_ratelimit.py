from __future__ import annotations

import secrets

import pytest

from backend.container import Container
from backend.errors import RateLimited
from backend.ratelimit import RateLimit

RULE = RateLimit("test.rate_limited", limit=3, window=60)


async def test_limiter_admits_up_to_limit_then_answers_429_with_retry_after(container: Container) -> None:
    key = secrets.token_hex(4)
    for expected in (1, 2, 3):
        assert await container.limiter.hit(RULE, key) == expected
    with pytest.raises(RateLimited) as caught:
        await container.limiter.hit(RULE, key)
    assert caught.value.code == "test.rate_limited"
    assert caught.value.retry_after is not None
    assert 1 <= caught.value.retry_after <= 60


async def test_limiter_counts_keys_separately_and_reset_clears(container: Container) -> None:
    a, b = secrets.token_hex(4), secrets.token_hex(4)
    for _ in range(3):
        await container.limiter.hit(RULE, a)
    assert await container.limiter.hit(RULE, b) == 1
    await container.limiter.reset(RULE, a)
    assert await container.limiter.hit(RULE, a) == 1
