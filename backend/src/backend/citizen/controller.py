"""HTTP edge of the citizen feature: registration, reclaiming an identity, the citizen's own record."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import HeaderParameter, JSONBody
from litestar.status_codes import HTTP_201_CREATED

from backend.access import ANYONE
from backend.auth.errors import KeysUnavailable, PhoneInvalid, SmsCodeInvalid
from backend.auth.guards import CITIZEN
from backend.auth.principal import Principal
from backend.citizen.errors import REGISTRATION_REFUSALS, CitizenNotFound, NothingToReclaim, ReclaimRaced
from backend.citizen.reclaim import ReclaimService
from backend.citizen.records import Citizen, Registration
from backend.citizen.schemas import CitizenRead, Registered, RegisterRequest
from backend.citizen.service import CitizenService
from backend.idempotency import IDEMPOTENCY_ERRORS, Idempotency, ReplayedLoginRequired, idempotent_json
from backend.web import client_address

_PROOF = (
    "The registrant proves the phone (`sms_code`, purpose `register`), the identity (the population "
    "registry) and that they are the person: the operators' real-name check must say the phone is "
    "registered to this identity. Where it can't (someone else's phone, no real-name record, a virtual "
    "operator's number), the answer is 409 `citizen.face_verification_required` with "
    "`extra.face_verification` = `{ticket, verification_id, expires_in}`: the app runs the platform's "
    "face verification SDK with `verification_id`, then sends the same request with `face_ticket` = "
    "`ticket` in place of `sms_code`; the backend reads the result from the platform itself. "
)
_IDEMPOTENCY = (
    "With an `Idempotency-Key` header a retry never registers twice; since the answer holds a session, "
    "a retry after success is 409 `idempotency.replayed_login_required` (log in), never the first "
    "tokens. Refused retries count against the address's failed-registration budget."
)


# What registration and reclaim can refuse (each code's meaning: the table in backend/README.md).
_REFUSALS = (
    *REGISTRATION_REFUSALS,
    SmsCodeInvalid,
    PhoneInvalid,
    *IDEMPOTENCY_ERRORS,
    ReplayedLoginRequired,
    KeysUnavailable,
)


def _read(citizen: Citizen) -> CitizenRead:
    return CitizenRead(**msgspec.structs.asdict(citizen))


def _registered(registration: Registration) -> Registered:
    return Registered(citizen=_read(registration.citizen), tokens=registration.tokens)


class RegistrationController(Controller):
    path = "/api/v1/auth"
    tags = ("citizen",)

    @post(
        "/register",
        status_code=HTTP_201_CREATED,
        summary="Register with a proven phone and a real-name identity; answers the first tokens",
        description=_PROOF
        + "An ID number with an account answers 409 `citizen.already_registered` only after all of "
        "this: if it is yours, reclaim it. " + _IDEMPOTENCY,
        responses={
            HTTP_201_CREATED: ResponseSpec(Registered, description="Registered and logged in"),
        },
        errors=_REFUSALS,
        access=ANYONE,
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
            return _registered(await citizens.register(**_applicant(data), client=client))

        return await _once(idempotency, request, citizens, data, idempotency_key, client, register)

    @post(
        "/reclaim",
        status_code=HTTP_201_CREATED,
        summary="Take back an identity another account registered: a new account, the other one frozen",
        description=_PROOF
        + "When the operator says the other account's phone is this person's too, only a face "
        "verification decides (409 `citizen.face_verification_required`). On success the other account "
        "is frozen (its logins and refreshes answer 403 `citizen.account_frozen`), its sessions and "
        "citizen-code devices end, and its phone is told by SMS. 404 `citizen.reclaim_not_found`: no "
        "account holds the identity (register). " + _IDEMPOTENCY,
        responses={
            HTTP_201_CREATED: ResponseSpec(Registered, description="Reclaimed and logged in"),
        },
        errors=(*_REFUSALS, NothingToReclaim, ReclaimRaced),
        access=ANYONE,
    )
    async def reclaim(
        self,
        data: JSONBody[RegisterRequest],
        request: Request[Any, Any, Any],
        citizens: NamedDependency[CitizenService],
        reclaims: NamedDependency[ReclaimService],
        idempotency: NamedDependency[Idempotency],
        idempotency_key: Annotated[str | None, HeaderParameter(name="idempotency-key")] = None,
    ) -> Response[bytes]:
        client = client_address(request)

        async def reclaim() -> Registered:
            return _registered(await reclaims.reclaim(**_applicant(data), client=client))

        return await _once(idempotency, request, citizens, data, idempotency_key, client, reclaim)


def _applicant(data: RegisterRequest) -> dict[str, Any]:
    """What registration and reclaim both take from the body: the proof and the identity."""
    return msgspec.structs.asdict(data)


async def _once(
    idempotency: Idempotency,
    request: Request[Any, Any, Any],
    citizens: CitizenService,
    data: RegisterRequest,
    key: str | None,
    client: str,
    call: Callable[[], Awaitable[Registered]],
) -> Response[bytes]:
    async def charge() -> None:
        await citizens.charge_failed_attempt(client)

    return await idempotent_json(
        idempotency,
        request,
        # Anonymous caller: the scope is the phone they must prove to register at all.
        scope=f"{request.url.path}:{citizens.phone_index(data.phone)}",
        key=key,
        status=HTTP_201_CREATED,
        call=call,
        replayable=False,
        charge=charge,
    )


class MeController(Controller):
    path = "/api/v1/me"
    tags = ("citizen",)
    opt = {"access": CITIZEN}  # noqa: RUF012 (Litestar's declaration style)

    @get("/", summary="The calling citizen's record, personal data masked", errors=(CitizenNotFound,))
    async def me(
        self,
        principal: NamedDependency[Principal],
        citizens: NamedDependency[CitizenService],
    ) -> CitizenRead:
        return _read(await citizens.get(principal.id))
