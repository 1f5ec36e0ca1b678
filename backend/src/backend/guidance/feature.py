"""The guidance feature (智能引导): everyday questions → service items and approved FAQ answers,
ranked offline; staff aliases and FAQ entries; the masked questions that found nothing."""

from __future__ import annotations

import logging

from backend.catalogue.service import CatalogueService
from backend.feature import Feature
from backend.guidance.controller import GuidanceAdminController, GuidanceController
from backend.guidance.privacy import PERSONAL_DATA
from backend.guidance.repository import GuidanceRepository
from backend.guidance.seed import ALIASES, FAQS
from backend.guidance.service import GuidanceService
from backend.guidance.settings import GuidanceSettings
from backend.wiring import Wiring

log = logging.getLogger("backend.guidance")


def _guidance(w: Wiring) -> GuidanceService:
    infra = w.infra
    return GuidanceService(
        repository=GuidanceRepository(infra.engine),
        catalogue=w.get(CatalogueService),
        settings=w.section(GuidanceSettings),
        audit=infra.audit,
        clock=infra.clock,
        engine=infra.engine,
        limiter=infra.limiter,
    )


async def _seed_on_start(w: Wiring) -> None:
    """After the catalogue's seed (FEATURES' order): the seed aliases name its items."""
    wanted = w.section(GuidanceSettings).seed_on_start
    if wanted or (wanted is None and w.settings.mode != "production"):
        added = await w.get(GuidanceService).seed(FAQS, ALIASES)
        if added:
            log.info("seed guidance: %d FAQ entries and aliases", added)


FEATURE = Feature(
    name="guidance",
    routes=(GuidanceController, GuidanceAdminController),
    piccolo_app="backend.guidance.piccolo_app",
    settings=GuidanceSettings,
    services={GuidanceService: _guidance},
    dependencies={"guidance": GuidanceService},
    on_startup=(_seed_on_start,),
    personal_data=PERSONAL_DATA,
)
