"""The catalogue feature: service items (事项), their versioned forms, and the seed catalogue."""

from __future__ import annotations

import logging

from backend.catalogue.controller import CatalogueAdminController, CatalogueController
from backend.catalogue.privacy import PERSONAL_DATA
from backend.catalogue.repository import CatalogueRepository
from backend.catalogue.seed_items import SEED
from backend.catalogue.seed_livelihood import LIVELIHOOD
from backend.catalogue.service import CatalogueService
from backend.catalogue.settings import CatalogueSettings
from backend.feature import Feature
from backend.wiring import Wiring

log = logging.getLogger("backend.catalogue")


def _catalogue(w: Wiring) -> CatalogueService:
    infra = w.infra
    return CatalogueService(
        repository=CatalogueRepository(infra.engine),
        settings=w.section(CatalogueSettings),
        audit=infra.audit,
        clock=infra.clock,
        engine=infra.engine,
    )


async def seed_catalogue(w: Wiring) -> int:
    added = await w.get(CatalogueService).seed((*SEED, *LIVELIHOOD))
    if added:
        log.info("seed catalogue: %d service items published", added)
    return added


async def _seed_on_start(w: Wiring) -> None:
    wanted = w.section(CatalogueSettings).seed_on_start
    if wanted or (wanted is None and w.settings.mode != "production"):
        await seed_catalogue(w)


FEATURE = Feature(
    name="catalogue",
    routes=(CatalogueController, CatalogueAdminController),
    piccolo_app="backend.catalogue.piccolo_app",
    settings=CatalogueSettings,
    services={CatalogueService: _catalogue},
    dependencies={"catalogue": CatalogueService},
    on_startup=(_seed_on_start,),
    personal_data=PERSONAL_DATA,
)
