"""HTTP edge of the citizen feature: registration and the citizen's own record."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.status_codes import HTTP_201_CREATED

from backend.auth.controller import client_address
from backend.auth.guards import require_citizen
from backend.auth.principal import Principal
from backend.citizen.schemas import CitizenRead, Registered, RegisterRequest
from backend.container import Container


class RegistrationController(Controller):
    path = "/api/v1/auth"
    tags = ("citizen",)

    @post(
        "/register",
        status_code=HTTP_201_CREATED,
        summary="Register with a verified phone and a real-name identity; answers the first tokens",
    )
    async def register(
        self,
        data: JSONBody[RegisterRequest],
        request: Request[Any, Any, Any],
        container: NamedDependency[Container],
    ) -> Response[Registered]:
        registered = await container.citizens.register(data, client=client_address(request))
        return Response(registered, status_code=HTTP_201_CREATED, headers={"cache-control": "no-store"})


class MeController(Controller):
    path = "/api/v1/me"
    tags = ("citizen",)
    guards = (require_citizen,)

    @get("/", summary="The calling citizen's record, personal data masked")
    async def me(
        self, principal: NamedDependency[Principal], container: NamedDependency[Container]
    ) -> CitizenRead:
        return await container.citizens.get(principal.id)
