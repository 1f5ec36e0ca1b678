"""Fixed-window rate limits on the key-value store: ``limit`` hits per ``window`` seconds per key.

The window starts at a key's first hit (``incr`` sets the expiry only when it creates the key), so
one ``INCR`` round trip decides. Over the limit → ``RateLimited`` (429) with ``Retry-After`` = the
seconds until the window ends. A store outage raises ``StoreUnavailable`` (503): the limits guarding
logins and SMS fail closed.
"""

from __future__ import annotations

import math

import msgspec

from backend.errors import RateLimited
from backend.store import KeyValueStore


class RateLimit(msgspec.Struct, frozen=True):
    """One rule. ``code`` is the problem code clients see (``auth.sms_rate_limited``)."""

    code: str
    limit: int
    window: int


class RateLimiter:
    def __init__(self, store: KeyValueStore) -> None:
        self._store = store

    async def hit(self, rule: RateLimit, key: str, *, cost: int = 1) -> int:
        """Count ``cost`` hits of ``key`` against ``rule``; the count so far, or ``RateLimited``."""
        full = f"rl:{rule.code}:{rule.window}:{key}"
        count = await self._store.incr(full, ttl=rule.window, amount=cost)
        if count > rule.limit:
            remaining = await self._store.ttl(full)
            retry_after = max(1, math.ceil(remaining if remaining is not None else rule.window))
            raise RateLimited(
                rule.code,
                f"Too many attempts; try again in {retry_after} s",
                retry_after=retry_after,
            )
        return count

    async def reset(self, rule: RateLimit, key: str) -> None:
        await self._store.delete(f"rl:{rule.code}:{rule.window}:{key}")
