from tests.backend.citizen.factories import web

__all__ = ["web"]
