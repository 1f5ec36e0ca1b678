"""Sandbox twin of the face verification service; a control route plays the citizen's face scan.

API (signed): ``POST /v1/face/verifications`` (honours ``Idempotency-Key``),
``POST /v1/face/verifications/query``.
Control: ``POST /verifications/{verification_id}/scan`` ``{"outcome": "pass" | "fail", "failure"?}``
(what the SDK would do on the citizen's phone: 409 once completed or expired), ``GET /verifications``,
plus the common ``/faults`` routes.

A verification left unscanned for ``VERIFICATION_TTL`` seconds is ``expired``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

import msgspec

from integrations._asgi import HttpError, Request, Response, json_response
from integrations._twin import IdempotencyStore, Twin, TwinContext, new_twin
from integrations.errors import InvalidIdNumber
from integrations.faceverify.schemas import FaceQuery, FaceResult, FaceSession, FaceStartRequest
from integrations.idnumber import parse_id_number

__all__ = ["VERIFICATION_TTL", "FaceState", "Scan", "create_twin"]

# Ten minutes to open the SDK and scan: what the platforms give (Tencent FaceID's BizToken: 7200 s,
# Alipay's certify_id: 24 h; the shorter the better for a credential of this weight).
VERIFICATION_TTL = 600


class Scan(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Body of the control route that plays a face scan."""

    outcome: Literal["pass", "fail"]
    failure: Literal["liveness_failed", "face_mismatch"] = "face_mismatch"


@dataclass(slots=True)
class FaceState:
    verifications: dict[str, FaceResult] = field(default_factory=dict)
    expires: dict[str, float] = field(default_factory=dict)
    idempotency: IdempotencyStore = field(default_factory=IdempotencyStore)
    started: int = 0


def create_twin(context: TwinContext) -> Twin:
    """The face verification twin, with no verification open."""
    state = FaceState()
    twin, router = new_twin("faceverify", context, state)

    def _at(epoch: float) -> dt.datetime:
        return dt.datetime.fromtimestamp(epoch, dt.UTC)

    def _current(verification_id: str) -> FaceResult | None:
        found = state.verifications.get(verification_id)
        if (
            found is not None
            and found.status == "pending"
            and context.clock.now() > state.expires[found.verification_id]
        ):
            found = msgspec.structs.replace(found, status="expired")
            state.verifications[verification_id] = found
        return found

    @router.route("POST", "/v1/face/verifications")
    async def start(request: Request) -> Response:
        body = request.json(FaceStartRequest)
        try:
            id_number = parse_id_number(body.id_number).value
        except InvalidIdNumber as exc:
            raise HttpError(400, "invalid_id_number", exc.reason) from None
        replay = state.idempotency.replay(request)
        if replay is not None:
            return replay
        state.started += 1
        verification_id = f"FV{context.minted(f'faceverify:{state.started}').getrandbits(64):016x}"
        expires = context.clock.now() + VERIFICATION_TTL
        state.expires[verification_id] = expires
        state.verifications[verification_id] = FaceResult(
            verification_id=verification_id,
            outer_id=body.outer_id,
            status="pending",
            name=body.name.strip(),
            id_number=id_number,
        )
        session = FaceSession(
            verification_id=verification_id, outer_id=body.outer_id, expires_at=_at(expires)
        )
        return state.idempotency.remember(request, json_response(session, status=201))

    @router.route("POST", "/v1/face/verifications/query")
    async def query(request: Request) -> Response:
        body = request.json(FaceQuery)
        found = _current(body.verification_id)
        if found is None:
            raise HttpError(404, "verification_not_found")
        return json_response(found)

    @router.route("POST", "/verifications/{verification_id}/scan", control=True)
    async def scan(request: Request) -> Response:
        body = request.json(Scan)
        found = _current(request.path_params["verification_id"])
        if found is None:
            raise HttpError(404, "verification_not_found")
        if found.status != "pending":
            raise HttpError(409, f"verification_{found.status}")
        if body.outcome == "pass":
            scores: tuple[float, float | None] = (0.98, 0.93)
        elif body.failure == "liveness_failed":
            scores = (0.12, None)  # no live face, nothing to compare
        else:
            scores = (0.98, 0.21)
        done = msgspec.structs.replace(
            found,
            status="passed" if body.outcome == "pass" else "failed",
            liveness_score=scores[0],
            similarity=scores[1],
            failure=None if body.outcome == "pass" else body.failure,
            completed_at=_at(context.clock.now()),
        )
        state.verifications[found.verification_id] = done
        return json_response(done)

    @router.route("GET", "/verifications", control=True)
    async def list_verifications(_: Request) -> Response:
        return json_response([_current(v) for v in list(state.verifications)])

    return twin
