"""The ASGI entry point for granian (``--factory miniprogram_api.asgi:app``); reads the environment.

In the embedded mode a worker serves its data folder only under the folder's lock
(``backend.data_dir``): the ``suqian serve`` that started it holds it, or the worker takes it — so
granian started by hand with two workers, or beside a running server, refuses instead of keeping a
second in-process store over the same SQLite file."""

from __future__ import annotations

import os

from litestar import Litestar

from backend.data_dir import claim
from backend.feature import feature_sections
from backend.settings import load_settings
from miniprogram_api.app import FEATURES, create_app


def app() -> Litestar:
    settings = load_settings(os.environ, sections=feature_sections(FEATURES))
    if settings.mode == "embedded":
        claim(settings.data_dir)
    return create_app(settings)
