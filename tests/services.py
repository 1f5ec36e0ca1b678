"""The session's services under the short names tests use, read from the app's own wiring.

Nothing here builds anything: every property asks the ``Wiring`` that ``create_app`` uses, so tests
exercise exactly the objects the routes do. ``rewired(...)`` gives a second set built the same way
over the same infrastructure, with a settings section replaced (another worker, other limits).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import msgspec
from litestar import Litestar
from litestar.types import ControllerRouterHandler
from piccolo.engine.base import Engine

from backend.account_link.service import AccountLinkService
from backend.app import create_app
from backend.audit.service import AuditLog
from backend.auth.passwords import Passwords
from backend.auth.service import AuthService
from backend.auth.settings import AuthSettings
from backend.auth.sms import SmsCodes
from backend.auth.tokens import TokenService
from backend.citizen.proof import IdentityProofs
from backend.citizen.reclaim import ReclaimService
from backend.citizen.service import CitizenService
from backend.citizen.tasks import ReclaimFollowUps
from backend.clock import Clock
from backend.code.scanning import ScanService
from backend.code.scans import ScanUploads
from backend.code.service import CitizenCodeService
from backend.code.settings import CodeSettings
from backend.code.tasks import AuditBuffer
from backend.code.trust import CodeTrust
from backend.crypto import PersonalDataCipher
from backend.feature import Feature
from backend.idempotency import Idempotency
from backend.observability.metrics import Metrics
from backend.ratelimit import RateLimiter
from backend.scanner.service import ScannerService
from backend.settings import Settings
from backend.staff.login import StaffLogin
from backend.staff.second_factor import SecondFactors
from backend.staff.service import StaffService
from backend.staff.settings import StaffSettings
from backend.store import KeyValueStore
from backend.upstreams import Upstreams
from backend.wiring import Wiring


class Services:
    def __init__(self, wiring: Wiring) -> None:
        self.wiring = wiring

    @asynccontextmanager
    async def lifespan(self) -> AsyncIterator[None]:
        async with self.wiring.lifespan():
            yield

    def rewired(self, *sections: msgspec.Struct) -> Services:
        """A second set of services over the same infrastructure (database, store, audit, clock),
        with each of ``sections`` replacing the feature settings section of its type."""
        settings = self.wiring.settings
        replaced = dict(settings.features)
        names = {f.settings: f.name for f in self.wiring.features if f.settings is not None}
        for section in sections:
            replaced[names[type(section)]] = section
        return Services(
            Wiring(
                msgspec.structs.replace(settings, features=replaced),
                self.wiring.features,
                infrastructure=self.wiring.infra,
            )
        )

    @property
    def settings(self) -> Settings:
        return self.wiring.settings

    @property
    def auth_settings(self) -> AuthSettings:
        return self.wiring.section(AuthSettings)

    @property
    def staff_settings(self) -> StaffSettings:
        return self.wiring.section(StaffSettings)

    @property
    def code_settings(self) -> CodeSettings:
        return self.wiring.section(CodeSettings)

    @property
    def engine(self) -> Engine[Any]:
        return self.wiring.infra.engine

    @property
    def clock(self) -> Clock:
        return self.wiring.infra.clock

    @property
    def store(self) -> KeyValueStore:
        return self.wiring.infra.store

    @property
    def store_name(self) -> str:
        return self.wiring.infra.store_name

    @property
    def audit(self) -> AuditLog:
        return self.wiring.infra.audit

    @property
    def cipher(self) -> PersonalDataCipher:
        return self.wiring.infra.cipher

    @property
    def upstreams(self) -> Upstreams:
        return self.wiring.infra.upstreams

    @property
    def limiter(self) -> RateLimiter:
        return self.wiring.infra.limiter

    @property
    def idempotency(self) -> Idempotency:
        return self.wiring.infra.idempotency

    @property
    def metrics(self) -> Metrics:
        return self.wiring.infra.metrics

    @property
    def tokens(self) -> TokenService:
        return self.wiring.get(TokenService)

    @property
    def passwords(self) -> Passwords:
        return self.wiring.get(Passwords)

    @property
    def sms_codes(self) -> SmsCodes:
        return self.wiring.get(SmsCodes)

    @property
    def auth(self) -> AuthService:
        return self.wiring.get(AuthService)

    @property
    def citizens(self) -> CitizenService:
        return self.wiring.get(CitizenService)

    @property
    def proofs(self) -> IdentityProofs:
        return self.wiring.get(IdentityProofs)

    @property
    def reclaims(self) -> ReclaimService:
        return self.wiring.get(ReclaimService)

    @property
    def reclaim_follow_ups(self) -> ReclaimFollowUps:
        return self.wiring.get(ReclaimFollowUps)

    @property
    def staff(self) -> StaffService:
        return self.wiring.get(StaffService)

    @property
    def staff_login(self) -> StaffLogin:
        return self.wiring.get(StaffLogin)

    @property
    def second_factors(self) -> SecondFactors:
        return self.wiring.get(SecondFactors)

    @property
    def scanner(self) -> ScannerService:
        return self.wiring.get(ScannerService)

    @property
    def account_links(self) -> AccountLinkService:
        return self.wiring.get(AccountLinkService)

    @property
    def code(self) -> CitizenCodeService:
        return self.wiring.get(CitizenCodeService)

    @property
    def code_trust(self) -> CodeTrust:
        return self.wiring.get(CodeTrust)

    @property
    def code_audit(self) -> AuditBuffer:
        return self.wiring.get(AuditBuffer)

    @property
    def code_scans(self) -> ScanService:
        return self.wiring.get(ScanService)

    @property
    def code_uploads(self) -> ScanUploads:
        return self.wiring.get(ScanUploads)


def app_with(
    services: Services, *routes: ControllerRouterHandler, settings: Settings | None = None
) -> Litestar:
    """The session's app (same wiring) with ``routes`` of a test's own added, optionally under other
    app-level settings (body limits, trusted proxies)."""
    probe = Feature(name="test_probe", routes=routes)
    return create_app(
        settings or services.settings, features=(*services.wiring.features, probe), wiring=services.wiring
    )
