"""The organisation feature: legal persons (法人) claimed by their representative, agents (经办人),
and acting-as tokens checked at every use (the auth guard reaches ``check_acting`` through app state)."""

from __future__ import annotations

from backend.auth.guards import ACTING_STATE
from backend.auth.tokens import TokenService
from backend.citizen.service import CitizenService
from backend.feature import Feature
from backend.organisation.controller import OrganisationController
from backend.organisation.privacy import PERSONAL_DATA
from backend.organisation.repository import OrganisationRepository
from backend.organisation.service import OrganisationService
from backend.wiring import Wiring


def _organisations(w: Wiring) -> OrganisationService:
    infra = w.infra
    return OrganisationService(
        repository=OrganisationRepository(infra.engine),
        citizens=w.get(CitizenService),
        registry=infra.upstreams.legalperson,
        tokens=w.get(TokenService),
        audit=infra.audit,
        clock=infra.clock,
        engine=infra.engine,
    )


FEATURE = Feature(
    name="organisation",
    routes=(OrganisationController,),
    piccolo_app="backend.organisation.piccolo_app",
    services={OrganisationService: _organisations},
    dependencies={"organisations": OrganisationService},
    state={ACTING_STATE: OrganisationService},
    personal_data=PERSONAL_DATA,
)
