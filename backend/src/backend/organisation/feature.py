"""The organisation feature: legal persons (法人) claimed by their representative, agents (经办人),
and acting-as tokens checked at every use (the auth guard reaches ``check_acting`` through app state)."""

from __future__ import annotations

from collections.abc import Sequence

from backend.auth.guards import ACTING_STATE
from backend.auth.tokens import TokenService
from backend.background import Job, Periodic
from backend.citizen.service import CitizenService
from backend.feature import Feature
from backend.organisation.controller import OrganisationController
from backend.organisation.privacy import PERSONAL_DATA
from backend.organisation.repository import OrganisationRepository
from backend.organisation.representative import Representatives
from backend.organisation.service import OrganisationService
from backend.wiring import Wiring

# How often each worker looks for organisations due for their daily re-check at the registry.
RECHECK_EVERY = 300.0


def _representatives(w: Wiring) -> Representatives:
    infra = w.infra
    return Representatives(
        repository=OrganisationRepository(infra.engine),
        citizens=w.get(CitizenService),
        registry=infra.upstreams.legalperson,
        audit=infra.audit,
        clock=infra.clock,
        engine=infra.engine,
    )


def _organisations(w: Wiring) -> OrganisationService:
    infra = w.infra
    return OrganisationService(
        repository=OrganisationRepository(infra.engine),
        representatives=w.get(Representatives),
        citizens=w.get(CitizenService),
        tokens=w.get(TokenService),
        limiter=infra.limiter,
        audit=infra.audit,
        clock=infra.clock,
        engine=infra.engine,
    )


def _jobs(w: Wiring) -> Sequence[Job]:
    representatives = w.get(Representatives)

    async def recheck() -> None:
        await representatives.recheck_due()

    return [Periodic("organisation representatives at the registry", every=RECHECK_EVERY, step=recheck)]


FEATURE = Feature(
    name="organisation",
    routes=(OrganisationController,),
    piccolo_app="backend.organisation.piccolo_app",
    services={OrganisationService: _organisations, Representatives: _representatives},
    dependencies={"organisations": OrganisationService},
    state={ACTING_STATE: OrganisationService},
    background=_jobs,
    personal_data=PERSONAL_DATA,
)
