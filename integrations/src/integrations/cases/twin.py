"""Sandbox twin of the department case system.

API (signed): ``POST /v1/applications`` (``Idempotency-Key`` required),
``GET /v1/applications/{case_id}``.
Control: ``POST /applications/{case_id}/advance`` ``{"status": ..., "note": ...}`` moves a
case on and emits a signed callback; ``GET /callbacks`` lists them; ``GET /items`` the
service catalogue; plus the common ``/faults`` routes. Set ``state.callback_sink`` to
have callbacks delivered (the backend's embedded default does).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import msgspec

from integrations._asgi import HttpError, Request, Response, json_response
from integrations._twin import IdempotencyStore, Twin, TwinContext, new_twin
from integrations.cases.schemas import (
    ApplicationSubmission,
    CaseReceipt,
    CaseStatus,
    CaseStatusValue,
    StatusCallback,
    StatusEntry,
)
from integrations.clock import make_nonce
from integrations.signing import sign_callback

__all__ = ["ITEMS", "Advance", "CasesState", "SignedCallback", "create_twin"]

ITEMS: dict[str, str] = {
    "SQ-GA-0001": "居住证申领",
    "SQ-GA-0002": "新生儿入户登记",
    "SQ-SJ-0001": "个体工商户设立登记",
    "SQ-YB-0001": "城乡居民医保参保登记",
}
# Allowed moves; "returned" (补正) goes back to review once the citizen has corrected it.
TRANSITIONS: dict[str, frozenset[str]] = {
    "submitted": frozenset({"accepted", "rejected"}),
    "accepted": frozenset({"in_review"}),
    "in_review": frozenset({"approved", "rejected", "returned"}),
    "returned": frozenset({"in_review"}),
    "approved": frozenset(),
    "rejected": frozenset(),
}

CallbackSink = Callable[[dict[str, str], bytes], Awaitable[None]]


class Advance(msgspec.Struct, forbid_unknown_fields=True):
    status: CaseStatusValue
    note: str = ""


class SignedCallback(msgspec.Struct, frozen=True):
    headers: dict[str, str]
    body: str


@dataclass(slots=True)
class CasesState:
    cases: dict[str, CaseStatus] = field(default_factory=dict)
    callbacks: list[SignedCallback] = field(default_factory=list)
    idempotency: IdempotencyStore = field(default_factory=IdempotencyStore)
    callback_sink: CallbackSink | None = None


def create_twin(context: TwinContext) -> Twin:
    """The case-system twin, with no cases yet."""
    state = CasesState()
    twin, router = new_twin("cases", context, state)
    rng = context.rng("cases:nonces")

    def now() -> dt.datetime:
        return dt.datetime.fromtimestamp(context.clock.now(), dt.UTC)

    @router.route("POST", "/v1/applications")
    async def submit(request: Request) -> Response:
        if "idempotency-key" not in request.headers:
            raise HttpError(400, "idempotency_key_required")
        replay = state.idempotency.replay(request)
        if replay is not None:
            return replay
        body = request.json(ApplicationSubmission)
        if body.item_code not in ITEMS:
            raise HttpError(422, "unknown_item", body.item_code)
        case_id = f"SQ{now():%Y%m%d}{len(state.cases) + 1:06d}"
        received = now()
        state.cases[case_id] = CaseStatus(
            case_id=case_id,
            item_code=body.item_code,
            status="submitted",
            history=[StatusEntry(status="submitted", at=received, note="已收件")],
        )
        receipt = CaseReceipt(case_id=case_id, status="submitted", received_at=received)
        return state.idempotency.remember(request, json_response(receipt, status=201))

    @router.route("GET", "/v1/applications/{case_id}")
    async def status(request: Request) -> Response:
        case = state.cases.get(request.path_params["case_id"])
        if case is None:
            raise HttpError(404, "case_not_found")
        return json_response(case)

    @router.route("POST", "/applications/{case_id}/advance", control=True)
    async def advance(request: Request) -> Response:
        move = request.json(Advance)
        case = state.cases.get(request.path_params["case_id"])
        if case is None:
            raise HttpError(404, "case_not_found")
        if move.status not in TRANSITIONS[case.status]:
            raise HttpError(409, "invalid_transition", f"{case.status} -> {move.status}")
        at = now()
        history = [*case.history, StatusEntry(status=move.status, at=at, note=move.note)]
        state.cases[case.case_id] = msgspec.structs.replace(case, status=move.status, history=history)
        event = StatusCallback(
            event_id=f"EV{len(state.callbacks) + 1:08d}", case_id=case.case_id, status=move.status, at=at
        )
        body = msgspec.json.encode(event)
        headers = sign_callback(
            body,
            secret=context.callback_secret,
            timestamp=int(context.clock.now()),
            nonce=make_nonce(rng),
        )
        signed = SignedCallback(headers={**headers, "Content-Type": "application/json"}, body=body.decode())
        state.callbacks.append(signed)
        if state.callback_sink is not None:
            await state.callback_sink(signed.headers, body)
        return json_response(signed)

    @router.route("GET", "/callbacks", control=True)
    async def callbacks(_: Request) -> Response:
        return json_response(state.callbacks)

    @router.route("GET", "/items", control=True)
    async def items(_: Request) -> Response:
        return json_response(ITEMS)

    return twin
