"""The staff feature: staff accounts (operators, counter clerks, reviewers) and their logins."""

from __future__ import annotations

from backend.auth.passwords import Passwords
from backend.auth.throttle import LoginThrottle
from backend.auth.tokens import TokenService
from backend.feature import Feature
from backend.idempotency import Idempotency
from backend.staff.bootstrap import bootstrap_admin
from backend.staff.controller import StaffAdminController, StaffTokenController
from backend.staff.repository import StaffRepository
from backend.staff.service import StaffService
from backend.wiring import Wiring


def _staff(w: Wiring) -> StaffService:
    infra = w.infra
    return StaffService(
        repository=StaffRepository(infra.engine),
        passwords=w.get(Passwords),
        tokens=w.get(TokenService),
        throttle=w.get(LoginThrottle),
        cipher=infra.cipher,
        audit=infra.audit,
        clock=infra.clock,
        engine=infra.engine,
    )


FEATURE = Feature(
    name="staff",
    routes=(StaffTokenController, StaffAdminController),
    piccolo_app="backend.staff.piccolo_app",
    services={StaffService: _staff},
    dependencies={"staff": StaffService, "idempotency": Idempotency},
    on_startup=(bootstrap_admin,),
)
