"""The full application: the core API plus the mini-program edge, on one port."""

from __future__ import annotations

from litestar import Litestar

from backend.app import create_app as create_core_app
from backend.container import Container
from backend.settings import Settings
from miniprogram_api.controller import build_router


def create_app(settings: Settings, *, container: Container | None = None) -> Litestar:
    return create_core_app(settings, container=container, route_handlers=[build_router()])
