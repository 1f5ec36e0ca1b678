"""The citizen feature: real-name registration (with the proof that the registrant is the person),
reclaiming an identity, and the citizen's own record."""

from __future__ import annotations

from backend.auth.passwords import Passwords
from backend.auth.settings import AuthSettings
from backend.auth.sms import SmsCodes
from backend.auth.tokens import TokenService
from backend.background import Job, Periodic
from backend.citizen.cache import CitizenCache
from backend.citizen.contacts import CitizenContacts
from backend.citizen.controller import MeController, RegistrationController
from backend.citizen.privacy import PERSONAL_DATA
from backend.citizen.proof import IdentityProofs
from backend.citizen.reclaim import ReclaimService
from backend.citizen.repository import CitizenRepository, FollowUpRepository
from backend.citizen.service import CitizenService
from backend.citizen.tasks import EVERY, ReclaimFollowUps
from backend.code.service import CitizenCodeService
from backend.feature import Feature
from backend.idempotency import Idempotency
from backend.wiring import Wiring


def _proofs(w: Wiring) -> IdentityProofs:
    infra = w.infra
    return IdentityProofs(
        telecom=infra.upstreams.telecom,
        faceverify=infra.upstreams.faceverify,
        store=infra.store,
        cipher=infra.cipher,
        limiter=infra.limiter,
    )


def _citizens(w: Wiring) -> CitizenService:
    infra = w.infra
    return CitizenService(
        repository=CitizenRepository(infra.engine),
        population=infra.upstreams.population,
        proofs=w.get(IdentityProofs),
        sms_codes=w.get(SmsCodes),
        passwords=w.get(Passwords),
        tokens=w.get(TokenService),
        limiter=infra.limiter,
        cipher=infra.cipher,
        audit=infra.audit,
        clock=infra.clock,
        settings=w.section(AuthSettings),
        engine=infra.engine,
        # Per worker: each process builds its own wiring, so its own cache.
        cache=CitizenCache(infra.store, infra.clock),
    )


def _contacts(w: Wiring) -> CitizenContacts:
    return CitizenContacts(repository=CitizenRepository(w.infra.engine), cipher=w.infra.cipher)


def _follow_ups(w: Wiring) -> ReclaimFollowUps:
    infra = w.infra
    return ReclaimFollowUps(
        repository=FollowUpRepository(infra.engine),
        citizens=CitizenRepository(infra.engine),
        tokens=w.get(TokenService),
        sms=infra.upstreams.sms,
        cipher=infra.cipher,
        audit=infra.audit,
        clock=infra.clock,
        engine=infra.engine,
    )


def _reclaims(w: Wiring) -> ReclaimService:
    return ReclaimService(
        citizens=w.get(CitizenService),
        codes=w.get(CitizenCodeService),
        tokens=w.get(TokenService),
        follow_ups=w.get(ReclaimFollowUps),
    )


def _background(w: Wiring) -> list[Job]:
    return [Periodic("reclaim follow-ups", every=EVERY, step=w.get(ReclaimFollowUps).run_due)]


FEATURE = Feature(
    name="citizen",
    routes=(RegistrationController, MeController),
    piccolo_app="backend.citizen.piccolo_app",
    services={
        IdentityProofs: _proofs,
        CitizenService: _citizens,
        ReclaimFollowUps: _follow_ups,
        ReclaimService: _reclaims,
        CitizenContacts: _contacts,
    },
    dependencies={"citizens": CitizenService, "reclaims": ReclaimService, "idempotency": Idempotency},
    background=_background,
    personal_data=PERSONAL_DATA,
)
