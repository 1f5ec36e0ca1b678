"""The citizen feature: real-name registration and the citizen's own record."""

from __future__ import annotations

from backend.auth.passwords import Passwords
from backend.auth.settings import AuthSettings
from backend.auth.sms import SmsCodes
from backend.auth.tokens import TokenService
from backend.citizen.controller import MeController, RegistrationController
from backend.citizen.repository import CitizenRepository
from backend.citizen.service import CitizenService
from backend.feature import Feature
from backend.idempotency import Idempotency
from backend.wiring import Wiring


def _citizens(w: Wiring) -> CitizenService:
    infra = w.infra
    return CitizenService(
        repository=CitizenRepository(infra.engine),
        population=infra.upstreams.population,
        sms_codes=w.get(SmsCodes),
        passwords=w.get(Passwords),
        tokens=w.get(TokenService),
        limiter=infra.limiter,
        cipher=infra.cipher,
        audit=infra.audit,
        clock=infra.clock,
        settings=w.section(AuthSettings),
        engine=infra.engine,
    )


FEATURE = Feature(
    name="citizen",
    routes=(RegistrationController, MeController),
    piccolo_app="backend.citizen.piccolo_app",
    services={CitizenService: _citizens},
    dependencies={"citizens": CitizenService, "idempotency": Idempotency},
)
