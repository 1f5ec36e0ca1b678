"""The staff feature: staff accounts (operators, counter clerks), their sign-in with a second factor,
their sessions, and the password policy."""

from __future__ import annotations

from backend.auth.passwords import Passwords
from backend.auth.settings import AuthSettings
from backend.auth.throttle import LoginThrottle
from backend.auth.tokens import TokenService
from backend.feature import Feature
from backend.idempotency import Idempotency
from backend.staff.bootstrap import bootstrap_admin
from backend.staff.challenges import Challenges
from backend.staff.controller import StaffAccountController, StaffAdminController, StaffTokenController
from backend.staff.login import StaffLogin
from backend.staff.privacy import PERSONAL_DATA
from backend.staff.repository import SecondFactorRepository, StaffRepository
from backend.staff.second_factor import SecondFactors
from backend.staff.service import StaffService
from backend.staff.settings import StaffSettings
from backend.wiring import Wiring


def _factors(w: Wiring) -> SecondFactors:
    infra = w.infra
    return SecondFactors(
        repository=SecondFactorRepository(infra.engine),
        accounts=StaffRepository(infra.engine),
        throttle=w.get(LoginThrottle),
        cipher=infra.cipher,
        audit=infra.audit,
        clock=infra.clock,
        engine=infra.engine,
        settings=w.section(StaffSettings),
    )


def _login(w: Wiring) -> StaffLogin:
    infra, settings = w.infra, w.section(StaffSettings)
    return StaffLogin(
        repository=StaffRepository(infra.engine),
        factors=w.get(SecondFactors),
        challenges=Challenges(infra.store, ttl=settings.challenge_ttl, attempts=settings.challenge_attempts),
        passwords=w.get(Passwords),
        tokens=w.get(TokenService),
        throttle=w.get(LoginThrottle),
        limiter=infra.limiter,
        cipher=infra.cipher,
        audit=infra.audit,
        settings=settings,
        auth_settings=w.section(AuthSettings),
    )


def _staff(w: Wiring) -> StaffService:
    infra = w.infra
    return StaffService(
        repository=StaffRepository(infra.engine),
        factors=w.get(SecondFactors),
        passwords=w.get(Passwords),
        tokens=w.get(TokenService),
        throttle=w.get(LoginThrottle),
        cipher=infra.cipher,
        audit=infra.audit,
        clock=infra.clock,
        engine=infra.engine,
        settings=w.section(StaffSettings),
    )


FEATURE = Feature(
    name="staff",
    routes=(StaffTokenController, StaffAccountController, StaffAdminController),
    piccolo_app="backend.staff.piccolo_app",
    settings=StaffSettings,
    services={StaffService: _staff, StaffLogin: _login, SecondFactors: _factors},
    dependencies={
        "staff": StaffService,
        "login": StaffLogin,
        "factors": SecondFactors,
        "idempotency": Idempotency,
    },
    on_startup=(bootstrap_admin,),
    personal_data=PERSONAL_DATA,
)
