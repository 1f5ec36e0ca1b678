"""The ASGI entry point for granian (``--factory miniprogram_api.asgi:app``); reads the environment.

In the embedded mode a worker serves its data folder only under the folder's lock
(``backend.data_dir``): the ``suqian serve`` that started it holds it, or the worker takes it — so
granian started by hand with two workers, or beside a running server, refuses instead of keeping a
second in-process store over the same SQLite file.

Once the app is built, what import and building made (modules, routes, schemas: ~hundreds of
thousands of objects that live as long as the worker) is moved out of the collector's sight
(``gc.freeze``): a full collection then walks only what requests make, so its pause no longer lands
on a request's latency (the p99 of a busy worker; BENCHMARKS.md, issue 15's redeem row)."""

from __future__ import annotations

import gc
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
    built = create_app(settings)
    gc.collect()
    gc.freeze()
    return built
