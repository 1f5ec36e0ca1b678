"""Sandbox twin of the hotels' PMS gateway.

The seeded hotels are Suqian's (``SANDBOX_HOTELS``: code → room type → room numbers), the same codes
the backend's embedded default seeds; tests add hotels through the control route.

API (signed): ``POST /v1/hotels/{code}/check-ins`` (``Idempotency-Key`` required: the same key and
body answer the same room and key code; another body under it is ``idempotency_key_reused``).
Control: ``POST /hotels`` ``{"code", "rooms": {"<room type>": ["801", ...]}}``, ``GET /check-ins``
(every check-in taken, the guest's ID masked), plus ``/faults``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

import msgspec

from integrations._asgi import HttpError, Request, Response, json_response
from integrations._twin import Twin, TwinContext, new_twin
from integrations.hotelpms.schemas import CheckIn, RoomKey
from integrations.idnumber import is_valid_id_number
from integrations.masking import mask_id_number

__all__ = ["SANDBOX_HOTELS", "HotelPmsState", "NewHotel", "create_twin"]

_CHINA = timezone(timedelta(hours=8))
# Checked out by noon (the hotels' usual 12:00).
_CHECK_OUT = time(12, 0)

SANDBOX_HOTELS: dict[str, dict[str, list[str]]] = {
    "SQ-HT-001": {"KING": ["801", "802", "803"], "TWIN": ["601", "602"]},
    "SQ-HT-002": {"KING": ["1201", "1202"], "SUITE": ["1808"]},
    "SQ-HT-003": {"DOUBLE": ["301", "302", "303", "305"]},
}


class NewHotel(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    code: str
    rooms: dict[str, list[str]]


@dataclass(slots=True)
class HotelPmsState:
    # hotel code → room type → room numbers
    hotels: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    # (hotel, room no) → booking ref staying there
    occupied: dict[tuple[str, str], str] = field(default_factory=dict)
    # Idempotency-Key → (hotel, request, answer)
    check_ins: dict[str, tuple[str, CheckIn, RoomKey]] = field(default_factory=dict)


def create_twin(context: TwinContext) -> Twin:
    state = HotelPmsState(
        hotels={code: {k: list(v) for k, v in t.items()} for code, t in SANDBOX_HOTELS.items()}
    )
    rng = context.rng("hotelpms:keys")
    twin, router = new_twin("hotelpms", context, state)

    @router.route("POST", "/v1/hotels/{code}/check-ins")
    async def check_in(request: Request) -> Response:
        key = request.headers.get("idempotency-key", "")
        if not key:
            raise HttpError(400, "idempotency_key_required")
        hotel = request.path_params["code"]
        body = request.json(CheckIn)
        previous = state.check_ins.get(key)
        if previous is not None:
            if previous[:2] != (hotel, body):
                raise HttpError(422, "idempotency_key_reused")
            return json_response(previous[2])
        rooms = state.hotels.get(hotel)
        if rooms is None:
            raise HttpError(404, "unknown_hotel", "酒店不存在")
        if body.room_type not in rooms:
            raise HttpError(422, "unknown_room_type", "房型不存在")
        today = datetime.fromtimestamp(context.clock.now(), _CHINA).date()
        if not is_valid_id_number(body.guest_id_number, today=today) or not body.guest_name:
            raise HttpError(422, "guest_invalid", "住客身份信息无效")
        free = [no for no in rooms[body.room_type] if (hotel, no) not in state.occupied]
        if not free:
            raise HttpError(409, "no_room_ready", "暂无可入住房间")
        room_no = free[0]
        state.occupied[hotel, room_no] = body.booking_ref
        until = datetime.combine(date.fromisoformat(body.departure), _CHECK_OUT, _CHINA)
        answer = RoomKey(
            booking_ref=body.booking_ref,
            room_no=room_no,
            key_code=f"{rng.randrange(10**6):06d}",
            valid_until=until.isoformat(),
        )
        state.check_ins[key] = (hotel, body, answer)
        return json_response(answer, status=201)

    @router.route("POST", "/hotels", control=True)
    async def add_hotel(request: Request) -> Response:
        body = request.json(NewHotel)
        state.hotels[body.code] = {k: list(v) for k, v in body.rooms.items()}
        return json_response(body, status=201)

    @router.route("GET", "/check-ins", control=True)
    async def taken(_: Request) -> Response:
        return json_response(
            [
                {
                    "hotel": hotel,
                    "booking_ref": body.booking_ref,
                    "room_no": answer.room_no,
                    "guest_id_number": mask_id_number(body.guest_id_number),
                }
                for hotel, body, answer in state.check_ins.values()
            ]
        )

    return twin
