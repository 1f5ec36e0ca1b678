"""Piccolo's conventional configuration module, for its CLI and migration runner only.

Piccolo looks up ``DB`` and ``APP_REGISTRY`` here by name. The application binds its engine from
``Settings`` at start-up (``backend.database.bind_engine``); this module forwards to that engine, and
only when nothing is bound (the piccolo CLI run by hand, e.g. ``piccolo migrations new audit --auto``)
does it read ``SUQIAN_*`` variables itself, as any entry point may.
"""

from __future__ import annotations

import os
from typing import Any

from piccolo.engine.base import Engine

from backend.database import APP_REGISTRY, bind_engine, bound_engine

__all__ = ["APP_REGISTRY"]


def __getattr__(name: str) -> Engine[Any]:
    if name != "DB":
        raise AttributeError(name)
    engine = bound_engine()
    if engine is None:
        from backend.settings import load_settings

        engine = bind_engine(load_settings(os.environ).database)
    return engine
