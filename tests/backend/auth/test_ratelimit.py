from __future__ import annotations

import secrets
from datetime import UTC, datetime

import pytest

from backend.errors import RateLimited
from backend.ratelimit import RateLimit, RateLimiter, address_key
from backend.store import MemoryStore
from tests.backend.auth.clock import ManualClock
from tests.services import Services

RULE = RateLimit("test.rate_limited", limit=3, window=60)


async def test_limiter_admits_up_to_limit_then_answers_429_with_retry_after(services: Services) -> None:
    key = secrets.token_hex(4)
    for expected in (1, 2, 3):
        assert await services.limiter.hit(RULE, key) == expected
    with pytest.raises(RateLimited) as caught:
        await services.limiter.hit(RULE, key)
    assert caught.value.code == "test.rate_limited"
    assert caught.value.retry_after is not None
    assert 1 <= caught.value.retry_after <= 60


async def test_limiter_counts_keys_separately_and_reset_clears(services: Services) -> None:
    a, b = secrets.token_hex(4), secrets.token_hex(4)
    for _ in range(3):
        await services.limiter.hit(RULE, a)
    assert await services.limiter.hit(RULE, b) == 1
    await services.limiter.reset(RULE, a)
    assert await services.limiter.hit(RULE, a) == 1


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"),
        ("2001:db8:1:2::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:3::1", "2001:db8:1:3::/64"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        ("fe80::1%eth0", "fe80::/64"),
        ("unknown", "unknown"),
    ],
)
def test_address_key_counts_ipv4_by_address_and_ipv6_by_its_64(address: str, key: str) -> None:
    assert address_key(address) == key


async def test_address_rule_shares_one_budget_across_a_64(services: Services) -> None:
    rule = RateLimit("test.rate_limited", limit=2, window=60, by_address=True)
    prefix = f"2001:db8:{secrets.randbelow(0xFFFF):x}:{secrets.randbelow(0xFFFF):x}"
    await services.limiter.hit(rule, f"{prefix}::1")
    await services.limiter.hit(rule, f"{prefix}:8a2e:370:7334:1")
    with pytest.raises(RateLimited):
        await services.limiter.hit(rule, f"{prefix}::2")


async def test_refund_gives_a_hit_back(services: Services) -> None:
    key = secrets.token_hex(4)
    await services.limiter.hit(RULE, key)
    await services.limiter.hit(RULE, key)
    await services.limiter.refund(RULE, key)
    assert await services.limiter.hit(RULE, key) == 2


async def test_refund_after_the_window_ended_leaves_no_credit_for_the_next() -> None:
    clock = ManualClock(datetime.now(UTC))
    limiter = RateLimiter(MemoryStore(prefix="rl-test:", monotonic=clock.monotonic))
    await limiter.hit(RULE, "k")
    clock.advance(RULE.window + 1)
    await limiter.refund(RULE, "k")
    assert await limiter.hit(RULE, "k") == 1
