"""The shared infrastructure and the features' services, built once per app from ``Settings``.

``Infrastructure`` is what every feature may build on: the settings, a clock, metrics, the database
engine, the key-value store, the audit log, the upstream adapters, the rate limiter, the personal-data
cipher, idempotency and tracing. ``Wiring`` holds it and builds each feature's services on first request by
type (``wiring.get(TokenService)``), so features depend on each other's services, never on an order
of construction or on each other's repositories. ``create_app`` builds one; tests build theirs the
same way.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import msgspec
from piccolo.engine.base import Engine

from backend.audit.repository import AuditRepository
from backend.audit.service import AuditLog
from backend.background import BackgroundWork, Job
from backend.clock import Clock, SystemClock
from backend.crypto import PersonalDataCipher
from backend.database import bind_engine, close_pool, open_pool
from backend.feature import Feature
from backend.idempotency import Idempotency
from backend.observability.metrics import Metrics
from backend.observability.tracing import Tracing
from backend.ratelimit import RateLimiter
from backend.settings import Settings
from backend.store import KeyValueStore, MemoryStore, RedisStore
from backend.upstreams import Upstreams
from integrations import AuditEvent, log_audit_event

log = logging.getLogger("backend.wiring")

T = TypeVar("T")
S = TypeVar("S", bound=msgspec.Struct)


@dataclass(frozen=True, slots=True, kw_only=True)
class Infrastructure:
    settings: Settings
    clock: Clock
    metrics: Metrics
    engine: Engine[Any]
    store: KeyValueStore
    # "redis" or "memory": what readiness reports the store as.
    store_name: str
    audit: AuditLog
    upstreams: Upstreams
    limiter: RateLimiter
    cipher: PersonalDataCipher
    idempotency: Idempotency
    tracing: Tracing

    @classmethod
    def build(cls, settings: Settings, *, clock: Clock, engine: Engine[Any]) -> Infrastructure:
        tracing = Tracing(settings.tracing)
        store: KeyValueStore
        if settings.redis.url:
            store = RedisStore(
                settings.redis.url,
                prefix=settings.redis.key_prefix,
                socket_timeout=settings.redis.timeout,
                tracer=tracing.tracer,
            )
        else:
            store = MemoryStore(prefix=settings.redis.key_prefix, monotonic=clock.monotonic)
        cipher = PersonalDataCipher(data_key=settings.secrets.data_key, index_key=settings.secrets.index_key)
        metrics = Metrics()

        def audit(event: AuditEvent) -> None:
            log_audit_event(event)
            metrics.count_upstream(event)

        upstreams = Upstreams(
            settings.upstream, settings.miniprogram, tracer_provider=tracing.provider, audit=audit
        )
        metrics.watch_breakers(upstreams.breakers)
        return cls(
            settings=settings,
            clock=clock,
            metrics=metrics,
            engine=engine,
            store=store,
            store_name="redis" if settings.redis.url else "memory",
            audit=AuditLog(AuditRepository(engine), clock),
            upstreams=upstreams,
            limiter=RateLimiter(store),
            cipher=cipher,
            idempotency=Idempotency(store, cipher),
            tracing=tracing,
        )


# The piccolo apps of the shared infrastructure; they migrate before any feature's.
INFRASTRUCTURE_APPS = ("backend.audit.piccolo_app",)


def piccolo_apps(features: Sequence[Feature]) -> list[str]:
    return [*INFRASTRUCTURE_APPS, *(f.piccolo_app for f in features if f.piccolo_app)]


class WiringError(Exception):
    """The feature list doesn't fit together: a service nobody builds, built twice, or a cycle."""


class Wiring:
    def __init__(
        self,
        settings: Settings,
        features: Sequence[Feature],
        *,
        clock: Clock | None = None,
        engine: Engine[Any] | None = None,
        infrastructure: Infrastructure | None = None,
    ) -> None:
        """``engine``: share an engine another wiring bound (piccolo binds one per process), leaving
        its pool to that wiring. ``infrastructure``: share all of another wiring's infrastructure
        (its store, audit log, upstreams…) and build only the services anew — a second worker's view
        over the same state; this wiring then opens and closes nothing but its own jobs."""
        self.settings = settings
        self.features = tuple(features)
        names = [f.name for f in self.features]
        if len(set(names)) != len(names):
            raise WiringError(f"feature names must be unique: {names}")
        self._owns_infra = infrastructure is None
        self._owns_engine = engine is None and infrastructure is None
        self.infra = infrastructure or Infrastructure.build(
            settings,
            clock=clock or SystemClock(),
            engine=engine or bind_engine(settings.database, piccolo_apps(self.features)),
        )
        self._factories: dict[type[Any], Feature] = {}
        for feature in self.features:
            for kind in feature.services:
                if kind in self._factories:
                    raise WiringError(
                        f"{kind.__name__} is built by both {self._factories[kind].name} and {feature.name}"
                    )
                self._factories[kind] = feature
        infra = self.infra
        self._built: dict[type[Any], Any] = {
            Settings: settings,
            Infrastructure: infra,
            Metrics: infra.metrics,
            KeyValueStore: infra.store,
            AuditLog: infra.audit,
            Upstreams: infra.upstreams,
            RateLimiter: infra.limiter,
            PersonalDataCipher: infra.cipher,
            Idempotency: infra.idempotency,
            Tracing: infra.tracing,
        }
        self._building: list[type[Any]] = []
        self._sections = {f.settings: f.name for f in self.features if f.settings is not None}
        self.background: BackgroundWork | None = None
        self._lifespan_users = 0

    def get(self, kind: type[T]) -> T:
        """The one instance of ``kind``: shared infrastructure, or a feature's service built now."""
        if kind in self._built:
            built: T = self._built[kind]
            return built
        feature = self._factories.get(kind)
        if feature is None:
            raise WiringError(f"no feature builds {kind.__name__}")
        if kind in self._building:
            cycle = " → ".join(k.__name__ for k in [*self._building[self._building.index(kind) :], kind])
            raise WiringError(f"services depend on each other in a cycle: {cycle}")
        self._building.append(kind)
        try:
            service = feature.services[kind](self)
        finally:
            self._building.pop()
        self._built[kind] = service
        return service  # type: ignore[no-any-return]

    def section(self, kind: type[S]) -> S:
        """A feature's settings section: as configured, else the section's defaults."""
        name = self._sections.get(kind)
        if name is None:
            raise WiringError(f"no feature declares the settings section {kind.__name__}")
        configured = self.settings.features.get(name)
        if configured is None:
            return kind()
        if not isinstance(configured, kind):
            raise WiringError(
                f"settings section {name} is a {type(configured).__name__}, not {kind.__name__}"
            )
        return configured

    def build_all(self) -> None:
        """Build every declared service and job now, so a mistake fails at start-up, not on the first
        request that needs it. Once: several apps may share one wiring (tests do), and a second set
        of jobs would never be started or stopped."""
        if self.background is not None:
            return
        for kind in self._factories:
            self.get(kind)
        jobs: list[Job] = []
        for feature in self.features:
            if feature.background is not None:
                jobs.extend(feature.background(self))
        self.background = BackgroundWork(jobs)

    @asynccontextmanager
    async def lifespan(self, _app: Any = None) -> AsyncIterator[None]:
        """Open the pool and start the background jobs; on exit stop them (bounded) and close.

        Re-entrant: a test session and the app's own lifespan may both hold the wiring open; pools
        open on the first entry and close on the last exit.
        """
        if self.background is None:
            self.build_all()
        assert self.background is not None
        self._lifespan_users += 1
        if self._lifespan_users == 1:
            if self._owns_infra:
                self.infra.tracing.start()
            if self._owns_engine:
                await open_pool(self.infra.engine, self.settings.database)
            await self.background.start()
        try:
            yield
        finally:
            self._lifespan_users -= 1
            if self._lifespan_users == 0:
                # First: the jobs' last steps (a final audit flush) still need the database.
                await self.background.stop()
                if self._owns_infra:
                    await self.infra.store.close()
                    await self.infra.upstreams.aclose()
                    self.infra.tracing.stop()
                if self._owns_engine:
                    await close_pool(self.infra.engine)
