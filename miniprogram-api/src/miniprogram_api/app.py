"""The full application: the core API plus the mini-program edge, on one port."""

from __future__ import annotations

from litestar import Litestar

from backend.account_link.service import AccountLinkService
from backend.app import FEATURES as BACKEND_FEATURES
from backend.app import create_app as create_core_app
from backend.feature import Feature
from backend.settings import Settings
from backend.wiring import Wiring
from miniprogram_api.controller import build_router

EDGE = Feature(
    name="miniprogram",
    routes=(build_router(),),
    dependencies={"account_links": AccountLinkService},
)
FEATURES: tuple[Feature, ...] = (*BACKEND_FEATURES, EDGE)


def create_app(settings: Settings, *, wiring: Wiring | None = None) -> Litestar:
    return create_core_app(settings, features=FEATURES, wiring=wiring)
