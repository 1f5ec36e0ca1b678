"""Dependency wiring in one place: every long-lived collaborator is built here from ``Settings``."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from piccolo.engine.base import Engine

from backend.account_link.platforms import Platforms
from backend.account_link.repository import LinkRepository
from backend.account_link.service import AccountLinkService
from backend.account_link.tickets import BindTickets
from backend.audit.repository import AuditRepository
from backend.audit.service import AuditLog
from backend.auth.keys import SigningKeyRing
from backend.auth.passwords import Passwords
from backend.auth.repository import RefreshTokenRepository, SigningKeyRepository
from backend.auth.service import AuthService
from backend.auth.sms import SmsCodes
from backend.auth.tokens import TokenService
from backend.citizen.repository import CitizenRepository
from backend.citizen.service import APP_CLIENT_ID, CitizenService
from backend.clock import Clock, SystemClock
from backend.code.keys import IssuerKeys
from backend.code.policy import Pseudonyms
from backend.code.repository import HolderRepository, KeyRepository, RevocationRepository, ScanRepository
from backend.code.scanning import ScanService
from backend.code.scans import ScanUploads
from backend.code.service import CitizenCodeService
from backend.code.tasks import AuditBuffer, Background
from backend.code.trust import CodeTrust
from backend.crypto import PersonalDataCipher
from backend.database import bind_engine, close_pool, open_pool
from backend.idempotency import Idempotency
from backend.observability.metrics import Metrics
from backend.ratelimit import RateLimiter
from backend.scanner.repository import ScannerRepository
from backend.scanner.service import ScannerService
from backend.settings import Settings
from backend.staff.repository import StaffRepository
from backend.staff.service import StaffService
from backend.store import KeyValueStore, MemoryStore, RedisStore
from backend.upstreams import Upstreams

log = logging.getLogger("backend.container")


class Container:
    def __init__(
        self, settings: Settings, *, clock: Clock | None = None, engine: Engine[Any] | None = None
    ) -> None:
        self.settings = settings
        self.clock: Clock = clock or SystemClock()
        self.metrics = Metrics()
        # piccolo binds one engine per process; a second container (a test's) may share it, and
        # then leaves opening and closing its pool to the container that bound it.
        self._owns_engine = engine is None
        self.engine = engine or bind_engine(settings.database)
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
        self.upstreams = Upstreams(settings.upstream, settings.miniprogram)
        self.limiter = RateLimiter(self.store)
        self.cipher = PersonalDataCipher(
            data_key=settings.secrets.data_key, index_key=settings.secrets.index_key
        )
        self.idempotency = Idempotency(self.store, self.cipher)
        self.tokens = TokenService(
            settings=settings.auth,
            issuer=settings.http.public_base_url,
            keys=SigningKeyRing(
                SigningKeyRepository(), cipher=self.cipher, settings=settings.auth, clock=self.clock
            ),
            refresh_tokens=RefreshTokenRepository(),
            store=self.store,
            audit=self.audit,
            clock=self.clock,
        )
        self.passwords = Passwords(concurrency=settings.auth.hash_concurrency)
        self.sms_codes = SmsCodes(
            store=self.store,
            limiter=self.limiter,
            sms=self.upstreams.sms,
            cipher=self.cipher,
            settings=settings.auth,
        )
        citizens = CitizenRepository()
        self.citizens = CitizenService(
            repository=citizens,
            population=self.upstreams.population,
            sms_codes=self.sms_codes,
            passwords=self.passwords,
            tokens=self.tokens,
            limiter=self.limiter,
            cipher=self.cipher,
            audit=self.audit,
            clock=self.clock,
            settings=settings.auth,
        )
        self.auth = AuthService(
            citizens=citizens,
            tokens=self.tokens,
            passwords=self.passwords,
            sms_codes=self.sms_codes,
            limiter=self.limiter,
            store=self.store,
            cipher=self.cipher,
            audit=self.audit,
            settings=settings.auth,
            client_id=APP_CLIENT_ID,
        )
        self.staff = StaffService(
            repository=StaffRepository(),
            passwords=self.passwords,
            tokens=self.tokens,
            limiter=self.limiter,
            audit=self.audit,
            clock=self.clock,
            settings=settings.auth,
            engine=self.engine,
        )
        self.scanner = ScannerService(
            repository=ScannerRepository(),
            tokens=self.tokens,
            limiter=self.limiter,
            audit=self.audit,
            clock=self.clock,
            engine=self.engine,
        )
        self.account_links = AccountLinkService(
            links=LinkRepository(),
            tickets=BindTickets(self.store),
            platforms=Platforms(self.upstreams),
            citizens=self.citizens,
            sms_codes=self.sms_codes,
            tokens=self.tokens,
            limiter=self.limiter,
            audit=self.audit,
            clock=self.clock,
            engine=self.engine,
        )
        code_keys = IssuerKeys(
            KeyRepository(), cipher=self.cipher, audit=self.audit, settings=settings.code, engine=self.engine
        )
        code_revocations = RevocationRepository(self.engine)
        self.code_trust = CodeTrust(code_keys, code_revocations, settings=settings.code, clock=self.clock)
        code_pseudonyms = Pseudonyms(settings.secrets.index_key)
        self.code_audit = AuditBuffer(
            self.audit,
            chain="code",
            clock=self.clock,
            flush_every=settings.code.audit_flush_every,
            flush_rows=settings.code.audit_flush_rows,
        )
        self.code = CitizenCodeService(
            holders=HolderRepository(self.engine),
            revocations=code_revocations,
            citizens=citizens,
            keys=code_keys,
            trust=self.code_trust,
            limiter=self.limiter,
            audit=self.audit,
            clock=self.clock,
            settings=settings.code,
            engine=self.engine,
            tokens=self.tokens,
        )
        self.code_scans = ScanService(
            trust=self.code_trust,
            revocations=code_revocations,
            tokens=self.tokens,
            store=self.store,
            pseudonyms=code_pseudonyms,
            audit=self.code_audit,
            clock=self.clock,
        )
        self.code_uploads = ScanUploads(
            trust=self.code_trust,
            scans=ScanRepository(self.engine),
            pseudonyms=code_pseudonyms,
            audit=self.audit,
            clock=self.clock,
            settings=settings.code,
            engine=self.engine,
        )
        self.code_tasks = Background(
            audit=self.code_audit, refresh=self.code_trust.refresh, refresh_every=settings.code.refresh_every
        )

        self._lifespan_users = 0

    @asynccontextmanager
    async def lifespan(self, _app: Any = None) -> AsyncIterator[None]:
        # Re-entrant: a test session and the app's own lifespan may both hold the container open;
        # pools open on the first entry and close on the last exit.
        self._lifespan_users += 1
        if self._lifespan_users == 1:
            if self._owns_engine:
                await open_pool(self.engine, self.settings.database)
            await self.code_tasks.start()
            self._revocation_watch = asyncio.create_task(self.tokens.revocations.watch())
        try:
            yield
        finally:
            self._lifespan_users -= 1
            if self._lifespan_users == 0:
                self.tokens.revocations.stop()
                try:
                    await asyncio.wait_for(self._revocation_watch, 5)
                except TimeoutError:
                    log.warning("revocation watch did not stop in 5 s")
                # First: its last audit flush still needs the database.
                await self.code_tasks.stop()
                await self.store.close()
                await self.upstreams.aclose()
                if self._owns_engine:
                    await close_pool(self.engine)
