"""The citizen-code feature: online codes, holder devices, gate verification, the trust material."""

from __future__ import annotations

from backend.auth.tokens import TokenService
from backend.background import Job, Periodic
from backend.citizen.service import CitizenService
from backend.code.controller import (
    CitizenCodeController,
    CodeAdminController,
    CodeScannerController,
    TrustListController,
)
from backend.code.early import CodeIssueEarly, GateVerifyEarly
from backend.code.keys import IssuerKeys
from backend.code.policy import Pseudonyms
from backend.code.privacy import PERSONAL_DATA
from backend.code.repository import HolderRepository, KeyRepository, RevocationRepository, ScanRepository
from backend.code.scanning import ScanService
from backend.code.scans import ScanUploads
from backend.code.service import CitizenCodeService
from backend.code.settings import CodeSettings
from backend.code.tasks import AuditBuffer
from backend.code.trust import CodeTrust
from backend.feature import Feature
from backend.wiring import Wiring


def _keys(w: Wiring) -> IssuerKeys:
    infra = w.infra
    return IssuerKeys(
        KeyRepository(infra.engine),
        cipher=infra.cipher,
        audit=infra.audit,
        settings=w.section(CodeSettings),
        engine=infra.engine,
    )


def _trust(w: Wiring) -> CodeTrust:
    return CodeTrust(
        w.get(IssuerKeys),
        w.get(RevocationRepository),
        settings=w.section(CodeSettings),
        clock=w.infra.clock,
    )


def _audit_buffer(w: Wiring) -> AuditBuffer:
    settings = w.section(CodeSettings)
    return AuditBuffer(
        w.infra.audit,
        chain="code",
        clock=w.infra.clock,
        flush_every=settings.audit_flush_every,
        flush_rows=settings.audit_flush_rows,
    )


def _codes(w: Wiring) -> CitizenCodeService:
    infra = w.infra
    return CitizenCodeService(
        holders=HolderRepository(infra.engine),
        revocations=w.get(RevocationRepository),
        citizens=w.get(CitizenService),
        keys=w.get(IssuerKeys),
        trust=w.get(CodeTrust),
        limiter=infra.limiter,
        audit=infra.audit,
        clock=infra.clock,
        settings=w.section(CodeSettings),
        engine=infra.engine,
        tokens=w.get(TokenService),
    )


def _scans(w: Wiring) -> ScanService:
    infra = w.infra
    return ScanService(
        trust=w.get(CodeTrust),
        revocations=w.get(RevocationRepository),
        tokens=w.get(TokenService),
        store=infra.store,
        pseudonyms=w.get(Pseudonyms),
        audit=w.get(AuditBuffer),
        clock=infra.clock,
        holders=HolderRepository(infra.engine),
    )


def _uploads(w: Wiring) -> ScanUploads:
    infra = w.infra
    return ScanUploads(
        trust=w.get(CodeTrust),
        scans=ScanRepository(infra.engine),
        pseudonyms=w.get(Pseudonyms),
        audit=infra.audit,
        clock=infra.clock,
        settings=w.section(CodeSettings),
        engine=infra.engine,
    )


def _issue_early(w: Wiring) -> CodeIssueEarly:
    return CodeIssueEarly(w.get(TokenService), w.get(CitizenCodeService))


def _verify_early(w: Wiring) -> GateVerifyEarly:
    return GateVerifyEarly(w.get(TokenService), w.get(ScanService))


def _background(w: Wiring) -> list[Job]:
    trust = w.get(CodeTrust)
    every = w.section(CodeSettings).refresh_every
    return [w.get(AuditBuffer), Periodic("code trust refresh", every=every, step=trust.refresh)]


FEATURE = Feature(
    name="code",
    routes=(CitizenCodeController, CodeScannerController, TrustListController, CodeAdminController),
    piccolo_app="backend.code.piccolo_app",
    settings=CodeSettings,
    services={
        # Shared by the services below: one key ring, one revocation list, one audit buffer.
        IssuerKeys: _keys,
        RevocationRepository: lambda w: RevocationRepository(w.infra.engine),
        CodeTrust: _trust,
        Pseudonyms: lambda w: Pseudonyms(w.infra.settings.secrets.index_key),
        AuditBuffer: _audit_buffer,
        CitizenCodeService: _codes,
        ScanService: _scans,
        ScanUploads: _uploads,
    },
    dependencies={"codes": CitizenCodeService, "scanning": ScanService, "uploads": ScanUploads},
    background=_background,
    # The morning rush's code and gate verification, answered before routing (``early.py``).
    early=(_issue_early, _verify_early),
    personal_data=PERSONAL_DATA,
)
