"""Data rights on PostgreSQL: the session's app and services, clients from addresses of their own."""

from __future__ import annotations

from tests.backend.citizen.factories import web

__all__ = ["web"]
