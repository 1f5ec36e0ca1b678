"""Fixed-window rate limits on the key-value store: ``limit`` hits per ``window`` seconds per key.

The window starts at a key's first hit (``incr`` sets the expiry only when it creates the key), so
one ``INCR`` round trip decides. Over the limit → ``RateLimited`` (429) with ``Retry-After`` = the
seconds until the window ends. A store outage raises ``StoreUnavailable`` (503): the limits guarding
logins and SMS fail closed.

A rule that should count only failures is hit before the attempt (so a parallel burst can't slip
past the limit) and the hit is given back (``refund``) once the attempt succeeded. A rule keyed on
client addresses (``by_address=True``) counts an IPv6 client by its /64: see ``address_key``.
"""

from __future__ import annotations

import ipaddress
import math

import msgspec

from backend.errors import RateLimited
from backend.store import KeyValueStore


class RateLimit(msgspec.Struct, frozen=True):
    """One rule. ``error`` is what a client past the limit gets: a ``RateLimited`` leaf
    (``RateLimit(SmsRateLimited, limit=5, window=3600)``), or a bare code for the plain kind."""

    error: type[RateLimited] | str
    limit: int
    window: int
    # True when the key is a client address (``address_key`` applies).
    by_address: bool = False

    @property
    def code(self) -> str:
        """The problem code clients see (``auth.sms_rate_limited``); it also names the rule's counters."""
        return self.error if isinstance(self.error, str) else self.error.code

    def exceeded(self, *, retry_after: int) -> RateLimited:
        if isinstance(self.error, str):
            return RateLimited(
                self.error, f"Too many attempts; try again in {retry_after} s", retry_after=retry_after
            )
        return self.error(retry_after=retry_after)


def address_key(address: str) -> str:
    """The unit a per-address limit counts: an IPv4 address as is, an IPv6 address by its /64.

    One IPv6 subscriber gets at least a /64 (RFC 6177) and picks addresses within it at will (RFC 8981
    temporary addresses), so counting single IPv6 addresses would give one client 2^64 budgets. An
    IPv4-mapped IPv6 address counts as its IPv4 address; anything unparsable is used as given.
    """
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv4Address):
        return str(ip)
    if ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return f"{ipaddress.IPv6Address(int(ip) >> 64 << 64)}/64"


class RateLimiter:
    def __init__(self, store: KeyValueStore) -> None:
        self._store = store

    def _key(self, rule: RateLimit, key: str) -> str:
        return f"rl:{rule.code}:{rule.window}:{address_key(key) if rule.by_address else key}"

    async def hit(self, rule: RateLimit, key: str, *, cost: int = 1) -> int:
        """Count ``cost`` hits of ``key`` against ``rule``; the count so far, or ``RateLimited``."""
        full = self._key(rule, key)
        count = await self._store.incr(full, ttl=rule.window, amount=cost)
        if count > rule.limit:
            remaining = await self._store.ttl(full)
            retry_after = max(1, math.ceil(remaining if remaining is not None else rule.window))
            raise rule.exceeded(retry_after=retry_after)
        return count

    async def refund(self, rule: RateLimit, key: str, *, cost: int = 1) -> None:
        """Give back ``cost`` hits of an attempt that turned out not to count (a login that succeeded)."""
        full = self._key(rule, key)
        if await self._store.incr(full, ttl=rule.window, amount=-cost) < 0:
            # The window ended in between and the decrement started a new one: drop it rather than
            # carry a credit into the next window.
            await self._store.delete(full)

    async def reset(self, rule: RateLimit, key: str) -> None:
        await self._store.delete(self._key(rule, key))
