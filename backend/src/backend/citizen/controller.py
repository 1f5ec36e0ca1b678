"""HTTP edge of the citizen feature: registration and the citizen's own record."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import HeaderParameter, JSONBody
from litestar.status_codes import HTTP_201_CREATED

from backend.auth.guards import BEARER, require_citizen
from backend.auth.principal import Principal
from backend.citizen.schemas import CitizenRead, Registered, RegisterRequest
from backend.citizen.service import Citizen, CitizenService
from backend.idempotency import Idempotency, idempotent_json
from backend.web import client_address


def _read(citizen: Citizen) -> CitizenRead:
    return CitizenRead(**msgspec.structs.asdict(citizen))


class RegistrationController(Controller):
    path = "/api/v1/auth"
    tags = ("citizen",)

    @post(
        "/register",
        status_code=HTTP_201_CREATED,
        summary="Register with a verified phone and a real-name identity; answers the first tokens",
        description="With an `Idempotency-Key` header, a retried request answers the first response.",
        responses={HTTP_201_CREATED: ResponseSpec(Registered, description="Registered and logged in")},
    )
    async def register(
        self,
        data: JSONBody[RegisterRequest],
        request: Request[Any, Any, Any],
        citizens: NamedDependency[CitizenService],
        idempotency: NamedDependency[Idempotency],
        idempotency_key: Annotated[str | None, HeaderParameter(name="idempotency-key")] = None,
    ) -> Response[bytes]:
        client = client_address(request)

        async def register() -> Registered:
            registration = await citizens.register(
                phone=data.phone,
                sms_code=data.sms_code,
                name=data.name,
                id_number=data.id_number,
                password=data.password,
                client=client,
            )
            return Registered(citizen=_read(registration.citizen), tokens=registration.tokens)

        return await idempotent_json(
            idempotency,
            request,
            # Anonymous caller: the scope is the phone they must prove to register at all.
            scope=f"register:{citizens.phone_index(data.phone)}",
            key=idempotency_key,
            status=HTTP_201_CREATED,
            call=register,
        )


class MeController(Controller):
    path = "/api/v1/me"
    tags = ("citizen",)
    guards = (require_citizen,)
    security = BEARER

    @get("/", summary="The calling citizen's record, personal data masked")
    async def me(
        self,
        principal: NamedDependency[Principal],
        citizens: NamedDependency[CitizenService],
    ) -> CitizenRead:
        return _read(await citizens.get(principal.id))
