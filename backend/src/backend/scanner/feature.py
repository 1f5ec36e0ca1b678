"""The scanner feature: gate scanner devices, registered by operators, and their device tokens."""

from __future__ import annotations

from backend.auth.tokens import TokenService
from backend.feature import Feature
from backend.idempotency import Idempotency
from backend.scanner.controller import ScannerAdminController, ScannerTokenController
from backend.scanner.privacy import PERSONAL_DATA
from backend.scanner.repository import ScannerRepository
from backend.scanner.service import ScannerService
from backend.wiring import Wiring


def _scanners(w: Wiring) -> ScannerService:
    infra = w.infra
    return ScannerService(
        repository=ScannerRepository(infra.engine),
        tokens=w.get(TokenService),
        limiter=infra.limiter,
        audit=infra.audit,
        clock=infra.clock,
        engine=infra.engine,
    )


FEATURE = Feature(
    name="scanner",
    routes=(ScannerAdminController, ScannerTokenController),
    piccolo_app="backend.scanner.piccolo_app",
    services={ScannerService: _scanners},
    dependencies={"scanners": ScannerService, "idempotency": Idempotency},
    personal_data=PERSONAL_DATA,
)
