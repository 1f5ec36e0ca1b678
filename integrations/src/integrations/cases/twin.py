"""Sandbox twin of the department case system.

API (signed): ``PUT /v1/documents/{sha256}`` (an uploaded material, base64 in JSON; refused unless
its bytes hash to the path's digest; 20 MiB at most), ``POST /v1/applications`` (``Idempotency-Key``
required; every uploaded material it names must have been sent as a document),
``GET /v1/applications/{case_id}``, ``POST /v1/applications/{case_id}/supplements`` (补正: the
citizen's corrected form for a returned case; ``Idempotency-Key`` required),
``POST /v1/applications/{case_id}/withdrawal`` (撤回: the citizen withdrew; ``Idempotency-Key``
required; a decided case answers 409 ``case_closed``).
Control: ``POST /applications/{case_id}/advance`` ``{"status": ..., "note": ...}`` moves a
case on and emits a signed callback; ``GET /callbacks`` lists them; ``GET /items`` the
service catalogue; ``POST /lose-answers`` ``{"count": n}`` takes the next n submissions and
answers 504 (a lost answer); plus the common ``/faults`` routes. Set ``state.callback_sink`` to
have callbacks delivered (the backend's embedded default does).
"""

from __future__ import annotations

import datetime as dt
import hashlib
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
    Document,
    DocumentReceipt,
    MaterialRef,
    StatusCallback,
    StatusEntry,
    Supplement,
    Withdrawal,
)
from integrations.clock import make_nonce
from integrations.signing import sign_callback

__all__ = ["ITEMS", "Advance", "CasesState", "SignedCallback", "create_twin"]

ITEMS: dict[str, str] = {
    "SQ-GA-0001": "居住证申领",
    "SQ-GA-0002": "新生儿入户登记",
    "SQ-GA-0003": "户口迁移",
    "SQ-GA-0004": "居民身份证换领/补领",
    "SQ-GA-0005": "机动车驾驶证换证",
    "SQ-GA-0006": "出入境证件办理预约",
    "SQ-MZ-0001": "结婚登记预约",
    "SQ-MZ-0002": "老年人优待证办理",
    "SQ-MZ-0003": "最低生活保障申请",
    "SQ-MZ-0004": "临时救助申请",
    "SQ-WJ-0001": "生育登记",
    "SQ-WJ-0002": "出生医学证明补发",
    "SQ-JY-0001": "义务教育入学报名",
    "SQ-GJJ-0001": "住房公积金提取",
    "SQ-RS-0001": "社会保障卡申领",
    "SQ-RS-0002": "失业登记/失业保险金申领",
    "SQ-RS-0003": "养老保险待遇资格认证",
    "SQ-YB-0001": "城乡居民医保参保登记",
    "SQ-SJ-0001": "个体工商户设立登记",
    "SQ-SJ-0002": "营业执照变更",
    "SQ-ZR-0001": "不动产登记资料查询",
    "SQ-CL-0001": "残疾人证申领",
    "SQ-XY-0001": "信用报告查询",
    "SQ-XY-0002": "信用异议申请",
}
# Allowed moves; "returned" (补正) goes back to review once the citizen has corrected it.
TRANSITIONS: dict[str, frozenset[str]] = {
    "submitted": frozenset({"accepted", "rejected"}),
    "accepted": frozenset({"in_review"}),
    "in_review": frozenset({"approved", "rejected", "returned"}),
    "returned": frozenset({"in_review"}),
    "approved": frozenset({"completed"}),
    "rejected": frozenset(),
    "completed": frozenset(),
    "withdrawn": frozenset(),
}
# The citizen may withdraw until the department has decided.
WITHDRAWABLE = frozenset({"submitted", "accepted", "in_review", "returned"})

# 20 MiB of material, base64 (4/3) in JSON: the largest document the department takes.
DOCUMENT_MAX_JSON = 20 * 1024 * 1024 * 4 // 3 + 1024

CallbackSink = Callable[[dict[str, str], bytes], Awaitable[None]]


class Advance(msgspec.Struct, forbid_unknown_fields=True):
    status: CaseStatusValue
    note: str = ""


class LoseAnswers(msgspec.Struct, forbid_unknown_fields=True):
    count: int


class SignedCallback(msgspec.Struct, frozen=True):
    headers: dict[str, str]
    body: str


@dataclass(slots=True)
class CasesState:
    cases: dict[str, CaseStatus] = field(default_factory=dict)
    # The last case number handed out today. A department numbers its cases once for everyone and
    # never restarts: a number follows the clock (ten per second of the day) so a restarted sandbox, or
    # a second twin over the same database later on, does not hand out a number already stored (two
    # twins numbering in the same second still could: a sandbox, not a department).
    last_number: int = 0
    numbered_on: dt.date | None = None
    callbacks: list[SignedCallback] = field(default_factory=list)
    # Fault drill: the next ``lose_answers`` submissions are taken (the case exists) and then answered
    # 504, as if the answer was lost on the way back: the caller must retry under the same key.
    lose_answers: int = 0
    # Case id → the corrected forms received for it (补正), in order.
    supplements: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    # Uploaded materials by SHA-256 (what a submission's materials name), and each case's materials.
    documents: dict[str, Document] = field(default_factory=dict)
    materials: dict[str, list[MaterialRef]] = field(default_factory=dict)
    idempotency: IdempotencyStore = field(default_factory=IdempotencyStore)
    callback_sink: CallbackSink | None = None


def create_twin(context: TwinContext) -> Twin:
    """The case-system twin, with no cases yet."""
    state = CasesState()
    twin, router = new_twin("cases", context, state)
    rng = context.rng("cases:nonces")

    def now() -> dt.datetime:
        return dt.datetime.fromtimestamp(context.clock.now(), dt.UTC)

    @router.route("PUT", "/v1/documents/{sha256}")
    async def document(request: Request) -> Response:
        if len(request.body) > DOCUMENT_MAX_JSON:
            raise HttpError(413, "too_large")
        body = request.json(Document)
        digest = hashlib.sha256(body.content).hexdigest()
        if digest != request.path_params["sha256"]:
            raise HttpError(422, "digest_mismatch", digest)
        state.documents.setdefault(digest, body)
        return json_response(DocumentReceipt(sha256=digest, size=len(body.content)))

    def missing(materials: list[MaterialRef]) -> None:
        absent = [m.sha256 for m in materials if m.source == "upload" and m.sha256 not in state.documents]
        if absent:
            raise HttpError(422, "document_missing", ",".join(absent))

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
        missing(body.materials)
        received = now()
        midnight = received.replace(hour=0, minute=0, second=0, microsecond=0)
        if state.numbered_on != received.date():
            state.numbered_on, state.last_number = received.date(), 0
        state.last_number = max(state.last_number + 1, int((received - midnight).total_seconds()) * 10 + 1)
        case_id = f"SQ{received:%Y%m%d}{state.last_number % 1_000_000:06d}"
        state.materials[case_id] = list(body.materials)
        state.cases[case_id] = CaseStatus(
            case_id=case_id,
            item_code=body.item_code,
            status="submitted",
            history=[StatusEntry(status="submitted", at=received, note="已收件")],
        )
        receipt = CaseReceipt(case_id=case_id, status="submitted", received_at=received)
        answer = state.idempotency.remember(request, json_response(receipt, status=201))
        if state.lose_answers > 0:
            state.lose_answers -= 1
            raise HttpError(504, "answer_lost", "sandbox fault: the case was taken, the answer lost")
        return answer

    @router.route("POST", "/v1/applications/{case_id}/supplements")
    async def supplement(request: Request) -> Response:
        if "idempotency-key" not in request.headers:
            raise HttpError(400, "idempotency_key_required")
        replay = state.idempotency.replay(request)
        if replay is not None:
            return replay
        body = request.json(Supplement)
        missing(body.materials)
        case = state.cases.get(request.path_params["case_id"])
        if case is None:
            raise HttpError(404, "case_not_found")
        if case.status != "returned":
            raise HttpError(409, "case_not_returned", case.status)
        state.supplements.setdefault(case.case_id, []).append(body.form)
        if body.materials:
            state.materials[case.case_id] = list(body.materials)
        receipt = CaseReceipt(case_id=case.case_id, status=case.status, received_at=now())
        return state.idempotency.remember(request, json_response(receipt, status=201))

    @router.route("POST", "/v1/applications/{case_id}/withdrawal")
    async def withdrawal(request: Request) -> Response:
        if "idempotency-key" not in request.headers:
            raise HttpError(400, "idempotency_key_required")
        replay = state.idempotency.replay(request)
        if replay is not None:
            return replay
        body = request.json(Withdrawal)
        case = state.cases.get(request.path_params["case_id"])
        if case is None:
            raise HttpError(404, "case_not_found")
        if case.status not in WITHDRAWABLE:
            raise HttpError(409, "case_closed", case.status)
        at = now()
        history = [*case.history, StatusEntry(status="withdrawn", at=at, note=body.reason)]
        state.cases[case.case_id] = msgspec.structs.replace(case, status="withdrawn", history=history)
        receipt = CaseReceipt(case_id=case.case_id, status="withdrawn", received_at=at)
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

    @router.route("POST", "/lose-answers", control=True)
    async def lose_answers(request: Request) -> Response:
        state.lose_answers = request.json(LoseAnswers).count
        return json_response(LoseAnswers(count=state.lose_answers))

    @router.route("GET", "/callbacks", control=True)
    async def callbacks(_: Request) -> Response:
        return json_response(state.callbacks)

    @router.route("GET", "/items", control=True)
    async def items(_: Request) -> Response:
        return json_response(ITEMS)

    return twin
