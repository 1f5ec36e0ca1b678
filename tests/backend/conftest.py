"""The app fixtures (``services``, ``app``, ``client``) are in tests/conftest.py, shared with
tests/miniprogram_api; ``http_client`` stays importable from here."""

from __future__ import annotations

from tests.conftest import http_client

__all__ = ["http_client"]
