"""The stable access token, cached per process with a single refresher.

``/cgi-bin/stable_token`` in normal mode hands every caller the same token while it is valid,
so workers that each cache their own copy do not invalidate each other (the classic
``/cgi-bin/token`` refresh storm, wechatpy#737). Within a process an ``asyncio.Lock`` makes
sure only one coroutine fetches while the others wait for its answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from integrations.clock import Clock

# Refresh 300 s early: the platform itself rotates the stable token five minutes before expiry.
REFRESH_MARGIN_SECONDS = 300

Fetch = Callable[[], Awaitable[tuple[str, int]]]


@dataclass(frozen=True, slots=True)
class _Cached:
    token: str
    refresh_at: float


class AccessTokenCache:
    """Holds one access token; :meth:`get` refreshes it when it is close to expiry."""

    def __init__(self, fetch: Fetch, *, clock: Clock) -> None:
        self._fetch = fetch
        self._clock = clock
        self._lock = asyncio.Lock()
        self._cached: _Cached | None = None
        self.fetches = 0

    def _fresh(self) -> str | None:
        cached = self._cached
        if cached is not None and self._clock.now() < cached.refresh_at:
            return cached.token
        return None

    async def get(self) -> str:
        """A token valid for at least a few more minutes, fetching one if needed."""
        token = self._fresh()
        if token is not None:
            return token
        async with self._lock:
            # Whoever held the lock before us may already have refreshed it.
            token = self._fresh()
            if token is not None:
                return token
            token, expires_in = await self._fetch()
            self.fetches += 1
            # A token close to expiry still gets half its remaining life rather than none.
            lifetime = max(expires_in - REFRESH_MARGIN_SECONDS, expires_in / 2)
            self._cached = _Cached(token=token, refresh_at=self._clock.now() + lifetime)
            return token

    def invalidate(self, token: str) -> None:
        """Forget ``token`` after WeChat called it invalid (40001) or expired (42001).

        Compare-and-delete: if another coroutine already replaced it, the newer token stays.
        """
        if self._cached is not None and self._cached.token == token:
            self._cached = None
