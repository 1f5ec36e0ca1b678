"""Piccolo's conventional configuration module, for its CLI and migration runner only.

Piccolo looks up ``DB`` and ``APP_REGISTRY`` here by name. This file is copied into site-packages at
install time (an editable install can't link a top-level module), so it only forwards to
``backend.app.piccolo_conf``, where the logic lives and may change without a reinstall.
"""

from __future__ import annotations

from backend.app import piccolo_conf as __getattr__  # noqa: F401 (module __getattr__, PEP 562)
