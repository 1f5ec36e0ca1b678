"""The settings an adapter needs, in one struct the backend fills from its own settings."""

from __future__ import annotations

from dataclasses import dataclass, field

from integrations.breaker import BreakerPolicy

__all__ = ["RetryPolicy", "UpstreamConfig"]


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Full-jitter exponential back-off: ``sleep = random(0, min(cap, base * 2**n))``.

    Only idempotent calls (reads, or writes carrying an idempotency key) are retried, and
    only on unavailability. ``max_attempts=3`` means at most two retries: the research
    budget for a user-facing request.
    """

    max_attempts: int = 3
    base_seconds: float = 0.5
    cap_seconds: float = 5.0


@dataclass(frozen=True, slots=True, kw_only=True)
class UpstreamConfig:
    """Connection settings for one upstream system.

    Timeouts follow the research notes (connect 3 s, read/write 10 s, pool 5 s).
    ``total_timeout`` bounds a whole call, retries and back-off included, so no call
    outlives it whatever the upstream does. ``max_connections`` is the bulkhead: each
    upstream has its own pool, so one slow system cannot starve the others.
    ``app_secret`` is left out of ``repr`` so a logged config does not leak it.
    """

    base_url: str
    app_key: str = ""
    app_secret: str = field(default="", repr=False)
    connect_timeout: float = 3.0
    read_timeout: float = 10.0
    write_timeout: float = 10.0
    pool_timeout: float = 5.0
    total_timeout: float = 15.0
    max_connections: int = 20
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    breaker: BreakerPolicy = field(default_factory=BreakerPolicy)
