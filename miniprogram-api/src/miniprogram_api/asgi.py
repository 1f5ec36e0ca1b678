"""The ASGI entry point for granian (``--factory miniprogram_api.asgi:app``); reads the environment."""

from __future__ import annotations

import os

from litestar import Litestar

from backend.feature import feature_sections
from backend.settings import load_settings
from miniprogram_api.app import FEATURES, create_app


def app() -> Litestar:
    return create_app(load_settings(os.environ, sections=feature_sections(FEATURES)))
