"""Sandbox twin of the operators' real-name check, answering from the sandbox's mobile directory.

Every seeded resident's phone is registered to them; a resident added to the population twin
with a phone is registered too (``TwinContext.mobiles``). Virtual operators' numbers (162, 165,
167, 170, 171) answer ``unknown`` whatever the directory says, as the real check does.

API (signed): ``POST /v1/mobile/verify``.
Control: ``GET /subscribers``, ``GET /subscribers/{phone}``, ``PUT /subscribers/{phone}``
``{"name", "id_number"}`` (register a number, or move it to another holder: a number that
changed hands), ``DELETE /subscribers/{phone}`` (the number is cancelled), plus the common
``/faults`` routes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import msgspec

from integrations._asgi import HttpError, Request, Response, json_response
from integrations._seed import MobileDirectory, Subscriber, all_residents
from integrations._twin import Twin, TwinContext, new_twin
from integrations.errors import InvalidIdNumber
from integrations.idnumber import parse_id_number
from integrations.sms.schemas import PHONE_PATTERN
from integrations.telecom.schemas import (
    VIRTUAL_OPERATOR_PREFIXES,
    CheckOutcome,
    MobileCheck,
    MobileCheckRequest,
    carrier_of,
)

__all__ = ["SubscriberUpdate", "TelecomState", "create_twin"]

_PHONE = re.compile(PHONE_PATTERN)


class SubscriberUpdate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Body of ``PUT /subscribers/{phone}``."""

    name: str
    id_number: str


@dataclass(slots=True)
class TelecomState:
    directory: MobileDirectory
    checks: int = 0


def _outcome(directory: MobileDirectory, body: MobileCheckRequest) -> CheckOutcome:
    if body.phone[:3] in VIRTUAL_OPERATOR_PREFIXES:
        return "unknown"
    holder = directory.find(body.phone)
    if holder is None:
        return "not_registered"
    if holder.id_number == body.id_number.upper() and holder.name == body.name.strip():
        return "match"
    return "mismatch"


def create_twin(context: TwinContext) -> Twin:
    """The telecom twin over ``context.mobiles``, seeded with every resident's phone."""
    state = TelecomState(directory=context.mobiles)
    for person in all_residents(context.seed):
        state.directory.register(Subscriber(person.phone, person.name, person.id_number))
    twin, router = new_twin("telecom", context, state)

    @router.route("POST", "/v1/mobile/verify")
    async def verify(request: Request) -> Response:
        try:
            body = msgspec.json.decode(request.body, type=MobileCheckRequest)
        except msgspec.ValidationError as exc:
            code = "invalid_phone" if "$.phone" in str(exc) else "invalid_request"
            raise HttpError(400, code, str(exc)) from None
        except msgspec.DecodeError as exc:
            raise HttpError(400, "invalid_request", str(exc)) from None
        try:
            parse_id_number(body.id_number)
        except InvalidIdNumber as exc:
            raise HttpError(400, "invalid_id_number", exc.reason) from None
        state.checks += 1
        check = MobileCheck(
            result=_outcome(state.directory, body),
            carrier=carrier_of(body.phone),
            request_id=f"MV{state.checks:010d}",
        )
        return json_response(check)

    @router.route("GET", "/subscribers", control=True)
    async def list_subscribers(_: Request) -> Response:
        return json_response(list(state.directory.subscribers.values()))

    def _phone(request: Request) -> str:
        phone = request.path_params["phone"]
        if not _PHONE.match(phone):
            raise HttpError(422, "invalid_phone")
        return phone

    @router.route("GET", "/subscribers/{phone}", control=True)
    async def get_subscriber(request: Request) -> Response:
        holder = state.directory.find(_phone(request))
        if holder is None:
            raise HttpError(404, "not_registered")
        return json_response(holder)

    @router.route("PUT", "/subscribers/{phone}", control=True)
    async def put_subscriber(request: Request) -> Response:
        phone = _phone(request)
        body = request.json(SubscriberUpdate)
        try:
            id_number = parse_id_number(body.id_number).value
        except InvalidIdNumber as exc:
            raise HttpError(422, "invalid_id_number", exc.reason) from None
        subscriber = Subscriber(phone, body.name.strip(), id_number)
        state.directory.register(subscriber, replace=True)
        return json_response(subscriber)

    @router.route("DELETE", "/subscribers/{phone}", control=True)
    async def delete_subscriber(request: Request) -> Response:
        if not state.directory.cancel(_phone(request)):
            raise HttpError(404, "not_registered")
        return Response(status=204)

    return twin
