"""The licence feature: the e-licence wallet, 亮证 at counters, verifiers, status lists, the log."""

from __future__ import annotations

from backend.account_link.service import AccountLinkService
from backend.background import Job, Periodic
from backend.citizen.service import CitizenService
from backend.feature import Feature
from backend.licence.cards import CardPackService
from backend.licence.controller import IssuerController, LicenceController
from backend.licence.controller.counter import CounterController, VerifierAdminController
from backend.licence.keys import LicenceKeys
from backend.licence.log import DisclosureLog
from backend.licence.privacy import PERSONAL_DATA
from backend.licence.repository import (
    CardRepository,
    KeyRepository,
    LogRepository,
    RecordRepository,
    RequestRepository,
    SyncRepository,
    VerifierRepository,
)
from backend.licence.service import LicenceService
from backend.licence.settings import LicenceSettings
from backend.licence.showing import ShowService
from backend.licence.status import StatusLists
from backend.licence.verifiers import VerifierRegistry
from backend.organisation.service import OrganisationService
from backend.scanner.service import ScannerService
from backend.wiring import Wiring


def _keys(w: Wiring) -> LicenceKeys:
    return LicenceKeys(repository=KeyRepository(w.infra.engine), cipher=w.infra.cipher, engine=w.infra.engine)


def _log(w: Wiring) -> DisclosureLog:
    infra = w.infra
    return DisclosureLog(
        repository=LogRepository(infra.engine),
        keys=w.get(LicenceKeys),
        clock=infra.clock,
        engine=infra.engine,
    )


def _licences(w: Wiring) -> LicenceService:
    infra = w.infra
    return LicenceService(
        records=RecordRepository(infra.engine),
        sync=SyncRepository(infra.engine),
        keys=w.get(LicenceKeys),
        disclosure_log=w.get(DisclosureLog),
        citizens=w.get(CitizenService),
        organisations=w.get(OrganisationService),
        elicence=infra.upstreams.elicence,
        cipher=infra.cipher,
        limiter=infra.limiter,
        settings=w.section(LicenceSettings),
        clock=infra.clock,
        engine=infra.engine,
    )


def _status_lists(w: Wiring) -> StatusLists:
    infra = w.infra
    return StatusLists(
        records=RecordRepository(infra.engine),
        sync=SyncRepository(infra.engine),
        keys=w.get(LicenceKeys),
        disclosure_log=w.get(DisclosureLog),
        elicence=infra.upstreams.elicence,
        cipher=infra.cipher,
        settings=w.section(LicenceSettings),
        clock=infra.clock,
        engine=infra.engine,
    )


def _verifiers(w: Wiring) -> VerifierRegistry:
    infra = w.infra
    return VerifierRegistry(
        repository=VerifierRepository(infra.engine),
        scanners=w.get(ScannerService),
        audit=infra.audit,
        clock=infra.clock,
        engine=infra.engine,
    )


def _showing(w: Wiring) -> ShowService:
    infra = w.infra
    return ShowService(
        requests=RequestRepository(infra.engine),
        verifiers=w.get(VerifierRegistry),
        licences=w.get(LicenceService),
        status_lists=w.get(StatusLists),
        keys=w.get(LicenceKeys),
        disclosure_log=w.get(DisclosureLog),
        store=infra.store,
        limiter=infra.limiter,
        cipher=infra.cipher,
        settings=w.section(LicenceSettings),
        clock=infra.clock,
        engine=infra.engine,
    )


def _card_packs(w: Wiring) -> CardPackService:
    infra = w.infra
    return CardPackService(
        repository=CardRepository(infra.engine),
        licences=w.get(LicenceService),
        links=w.get(AccountLinkService),
        packs=infra.upstreams.card_packs,
        clock=infra.clock,
        engine=infra.engine,
    )


def _background(w: Wiring) -> list[Job]:
    settings = w.section(LicenceSettings)
    status_lists, showing = w.get(StatusLists), w.get(ShowService)

    async def follow() -> None:
        await status_lists.follow_feed()

    async def expire() -> None:
        await showing.expire()

    return [
        Periodic("licence status feed", every=settings.feed_every, step=follow),
        Periodic("licence request expiry", every=30.0, step=expire),
    ]


FEATURE = Feature(
    name="licence",
    routes=(LicenceController, IssuerController, CounterController, VerifierAdminController),
    piccolo_app="backend.licence.piccolo_app",
    settings=LicenceSettings,
    services={
        LicenceKeys: _keys,
        DisclosureLog: _log,
        LicenceService: _licences,
        StatusLists: _status_lists,
        VerifierRegistry: _verifiers,
        ShowService: _showing,
        CardPackService: _card_packs,
    },
    dependencies={
        "licences": LicenceService,
        "showing": ShowService,
        "status_lists": StatusLists,
        "verifiers": VerifierRegistry,
        "card_packs": CardPackService,
    },
    background=_background,
    personal_data=PERSONAL_DATA,
)
