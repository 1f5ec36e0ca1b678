"""HTTP edge of auth: the token endpoint, SMS codes, logout, and the published verification keys."""

from __future__ import annotations

from litestar import Controller, Response, get
from litestar.di import NamedDependency

from backend.auth.keys import Jwks
from backend.container import Container


class JwksController(Controller):
    tags = ("auth",)

    @get(
        "/.well-known/jwks.json",
        summary="Public keys verifying our access tokens (RFC 7517), for department systems",
    )
    async def jwks(self, container: NamedDependency[Container]) -> Response[Jwks]:
        keys = container.tokens.keys
        await keys.ensure_loaded()
        # 10 min: well inside the 1-day pre-publication of a new key.
        return Response(keys.jwks(), headers={"cache-control": "public, max-age=600"})
