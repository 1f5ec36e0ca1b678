"""The evidence feature (存证): each ended day of the evidence chains sealed, signed and published;
inclusion proofs for any entry. Other features put what must be provable (digests of submissions,
materials, decisions) in their audit entries; ``EvidenceService.proofs_of`` proves them."""

from __future__ import annotations

from backend.background import Periodic
from backend.evidence.controller import EvidenceAdminController, EvidenceController
from backend.evidence.keys import EvidenceKeys
from backend.evidence.privacy import PERSONAL_DATA
from backend.evidence.repository import EvidenceRepository
from backend.evidence.service import EvidenceService
from backend.evidence.settings import EvidenceSettings
from backend.feature import Feature
from backend.wiring import Wiring


def _evidence(w: Wiring) -> EvidenceService:
    infra = w.infra
    repository = EvidenceRepository(infra.engine)
    return EvidenceService(
        repository=repository,
        keys=EvidenceKeys(repository=repository, cipher=infra.cipher, engine=infra.engine),
        audit=infra.audit,
        settings=w.section(EvidenceSettings),
        clock=infra.clock,
    )


def _jobs(w: Wiring) -> list[Periodic]:
    evidence = w.get(EvidenceService)

    async def seal() -> None:
        await evidence.seal_due()

    return [Periodic("evidence seal", every=evidence.settings.every_seconds, step=seal, immediately=True)]


FEATURE = Feature(
    name="evidence",
    routes=(EvidenceController, EvidenceAdminController),
    piccolo_app="backend.evidence.piccolo_app",
    settings=EvidenceSettings,
    services={EvidenceService: _evidence},
    dependencies={"evidence": EvidenceService},
    background=_jobs,
    personal_data=PERSONAL_DATA,
)
