"""Dependency wiring in one place: every long-lived collaborator is built here from ``Settings``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from backend.audit.repository import AuditRepository
from backend.audit.service import AuditLog
from backend.clock import Clock, SystemClock
from backend.database import bind_engine, close_pool, open_pool
from backend.observability.metrics import Metrics
from backend.settings import Settings
from backend.store import KeyValueStore, MemoryStore, RedisStore


class Container:
    def __init__(self, settings: Settings, *, clock: Clock | None = None) -> None:
        self.settings = settings
        self.clock: Clock = clock or SystemClock()
        self.metrics = Metrics()
        self.engine = bind_engine(settings.database)
        self.store: KeyValueStore
        if settings.redis.url:
            self.store = RedisStore(
                settings.redis.url,
                prefix=settings.redis.key_prefix,
                max_connections=settings.redis.max_connections,
                pool_timeout=settings.redis.pool_timeout,
            )
            self.store_name = "redis"
        else:
            self.store = MemoryStore(prefix=settings.redis.key_prefix, monotonic=self.clock.monotonic)
            self.store_name = "memory"
        self.audit = AuditLog(AuditRepository(self.engine), self.clock)

    @asynccontextmanager
    async def lifespan(self, _app: Any = None) -> AsyncIterator[None]:
        await open_pool(self.engine, self.settings.database)
        try:
            yield
        finally:
            await self.store.close()
            await close_pool(self.engine)
