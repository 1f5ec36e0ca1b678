"""Sandbox twin of the parking gate platform.

Lots are known by code (``SANDBOX_LOTS``, the same codes the backend's embedded default seeds; tests
add lots through the control route). A car's camera reads become events on one feed, read by cursor.
At the exit the barrier stays closed (``exit_requested``) unless a clearance for the plate is valid;
then it opens and the car leaves (``exited``).

API (signed): ``GET /v1/events?after=&limit=``, ``POST /v1/lots/{code}/clearances`` (``Idempotency-Key``
required; the same key and body answer the same clearance).
Control: ``POST /lots`` ``{"code"}``, ``POST /lots/{code}/arrive`` ``{"plate"}``,
``POST /lots/{code}/depart`` ``{"plate"}`` → ``{"barrier": "open" | "closed"}``, ``GET /clearances``,
plus ``/faults``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import msgspec

from integrations._asgi import HttpError, Request, Response, json_response
from integrations._twin import Twin, TwinContext, new_twin
from integrations.parking.plates import is_valid_plate, normalise_plate
from integrations.parking.schemas import Clearance, ClearanceAnswer, GateEvent, GateEventKind, GateEvents

__all__ = ["SANDBOX_LOTS", "ParkingState", "create_twin"]

SANDBOX_LOTS = ("SQ-P-001", "SQ-P-002", "SQ-P-003")


class LotBody(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    code: str


class PlateBody(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    plate: str


@dataclass(slots=True)
class ParkingState:
    lots: set[str] = field(default_factory=set)
    events: list[GateEvent] = field(default_factory=list)
    # (lot, plate) of cars inside, and of cars waiting at the exit
    inside: set[tuple[str, str]] = field(default_factory=set)
    waiting: set[tuple[str, str]] = field(default_factory=set)
    # (lot, plate) → the clearance's expiry (epoch seconds)
    cleared: dict[tuple[str, str], float] = field(default_factory=dict)
    # Idempotency-Key → (lot, request, answer)
    clearances: dict[str, tuple[str, Clearance, ClearanceAnswer]] = field(default_factory=dict)


def create_twin(context: TwinContext) -> Twin:
    state = ParkingState(lots=set(SANDBOX_LOTS))
    twin, router = new_twin("parking", context, state)

    def emit(lot: str, kind: GateEventKind, plate: str) -> GateEvent:
        at = datetime.fromtimestamp(context.clock.now(), UTC).isoformat()
        seq = len(state.events) + 1
        event = GateEvent(seq=seq, event_id=f"GE{seq:010d}", lot_code=lot, kind=kind, plate=plate, at=at)
        state.events.append(event)
        return event

    def leave(lot: str, plate: str) -> None:
        state.inside.discard((lot, plate))
        state.waiting.discard((lot, plate))
        state.cleared.pop((lot, plate), None)
        emit(lot, "exited", plate)

    def lot_of(request: Request) -> str:
        lot = request.path_params["code"]
        if lot not in state.lots:
            raise HttpError(404, "unknown_lot", "停车场不存在")
        return lot

    @router.route("GET", "/v1/events")
    async def events(request: Request) -> Response:
        try:
            after = int(request.query.get("after", "0"))
            limit = min(500, max(1, int(request.query.get("limit", "100"))))
        except ValueError:
            raise HttpError(400, "invalid_request", "after and limit are integers") from None
        items = state.events[max(after, 0) : max(after, 0) + limit]
        return json_response(GateEvents(items=items, next_after=items[-1].seq if items else after))

    @router.route("POST", "/v1/lots/{code}/clearances")
    async def clear(request: Request) -> Response:
        key = request.headers.get("idempotency-key", "")
        if not key:
            raise HttpError(400, "idempotency_key_required")
        lot = lot_of(request)
        body = request.json(Clearance)
        previous = state.clearances.get(key)
        if previous is not None:
            if previous[:2] != (lot, body):
                raise HttpError(422, "idempotency_key_reused")
            return json_response(previous[2])
        if not is_valid_plate(body.plate):
            raise HttpError(422, "invalid_plate", "车牌号无效")
        plate = normalise_plate(body.plate)
        if (lot, plate) not in state.inside:
            raise HttpError(409, "vehicle_not_in_lot", "车辆不在场内")
        try:
            until = datetime.fromisoformat(body.until).timestamp()
        except ValueError:
            raise HttpError(400, "invalid_request", "until is RFC 3339") from None
        opened = (lot, plate) in state.waiting and until >= context.clock.now()
        answer = ClearanceAnswer(
            clearance_id=f"CL{len(state.clearances) + 1:08d}", barrier="open" if opened else "armed"
        )
        state.clearances[key] = (lot, body, answer)
        if opened:
            leave(lot, plate)
        else:
            state.cleared[lot, plate] = until
        return json_response(answer, status=201)

    @router.route("POST", "/lots", control=True)
    async def add_lot(request: Request) -> Response:
        body = request.json(LotBody)
        state.lots.add(body.code)
        return json_response(body, status=201)

    @router.route("POST", "/lots/{code}/arrive", control=True)
    async def arrive(request: Request) -> Response:
        lot = lot_of(request)
        plate = normalise_plate(request.json(PlateBody).plate)
        if (lot, plate) in state.inside:
            raise HttpError(409, "vehicle_in_lot", "车辆已在场内")
        state.inside.add((lot, plate))
        return json_response(emit(lot, "entered", plate), status=201)

    @router.route("POST", "/lots/{code}/depart", control=True)
    async def depart(request: Request) -> Response:
        lot = lot_of(request)
        plate = normalise_plate(request.json(PlateBody).plate)
        if (lot, plate) not in state.inside:
            raise HttpError(409, "vehicle_not_in_lot", "车辆不在场内")
        if state.cleared.get((lot, plate), 0.0) >= context.clock.now():
            leave(lot, plate)
            return json_response({"barrier": "open"})
        if (lot, plate) not in state.waiting:
            state.waiting.add((lot, plate))
            emit(lot, "exit_requested", plate)
        return json_response({"barrier": "closed"})

    @router.route("GET", "/clearances", control=True)
    async def clearances(_: Request) -> Response:
        return json_response([answer for _, _, answer in state.clearances.values()])

    return twin
