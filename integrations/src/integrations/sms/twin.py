"""Sandbox twin of the SMS gateway; every text it "sends" lands in a readable outbox.

API (signed): ``POST /v1/sms/send`` (honours ``Idempotency-Key``), ``POST /v1/sms/send-batch`` (one
template to up to 100 numbers; each item's ``out_id`` is sent once, ever).
Control: ``GET /outbox?phone=...``, ``GET /templates``, plus the common ``/faults`` routes.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import msgspec

from integrations._asgi import HttpError, Request, Response, json_response
from integrations._twin import IdempotencyStore, Twin, TwinContext, new_twin
from integrations.sms.schemas import (
    PHONE_PATTERN,
    BatchResult,
    SendBatchRequest,
    SendBatchResponse,
    SendSmsRequest,
    SmsReceipt,
)

__all__ = ["TEMPLATES", "OutboxMessage", "SmsState", "create_twin"]

TEMPLATES: dict[str, str] = {
    "SQ_VERIFY_CODE": "您的验证码为${code}，5分钟内有效，请勿泄露给他人。",
    "SQ_APPLICATION_STATUS": "您申请的“${item}”办件状态已更新为：${status}。",
    "SQ_APPLICATION_CORRECTION": "您申请的“${item}”需补正：${note}。请在“我的宿迁”中补正后重新提交。",
    "SQ_BOOKING_REMINDER": "您预约的${place}${time}号源即将开始，请按时到场。",
    "SQ_TOURISM_OFFER": "您候补的${spot}${day}门票已为您保留，请在${minutes}分钟内支付。",
    "SQ_LICENCE_ISSUED": "您的${licence}电子证照已签发，可在“我的宿迁”中查看。",
    "SQ_DISASTER_WARNING": "${issuer}发布${kind}${level}预警（${area}）：${summary}。请注意防范。",
    "SQ_ACCOUNT_RECLAIMED": "您在“我的宿迁”以本机号码注册的账号，已由该身份证件的本人经实名核验找回，"
    "账号已冻结。如非您本人的证件，请勿理会；如有疑问请致电12345。",
}
_PLACEHOLDER = re.compile(r"\$\{([a-z_]+)\}")
_PHONE = re.compile(PHONE_PATTERN)


class OutboxMessage(msgspec.Struct, frozen=True):
    message_id: str
    phone: str
    template_code: str
    text: str
    sent_at: dt.datetime


@dataclass(slots=True)
class SmsState:
    outbox: list[OutboxMessage] = field(default_factory=list)
    idempotency: IdempotencyStore = field(default_factory=IdempotencyStore)
    # Batch items sent: out_id → message id (each out_id is sent once).
    out_ids: dict[str, str] = field(default_factory=dict)


def render(template_code: str, params: dict[str, str], sign_name: str) -> str:
    """The text a template produces, as the handset shows it (``【签名】`` first)."""
    template = TEMPLATES.get(template_code)
    if template is None:
        raise HttpError(400, "template_not_found", template_code)
    missing = [p for p in _PLACEHOLDER.findall(template) if p not in params]
    if missing:
        raise HttpError(400, "template_param_missing", ",".join(missing))
    return f"【{sign_name}】" + _PLACEHOLDER.sub(lambda m: params[m.group(1)], template)


def create_twin(context: TwinContext) -> Twin:
    """The SMS twin with an empty outbox."""
    state = SmsState()
    twin, router = new_twin("sms", context, state)

    @router.route("POST", "/v1/sms/send")
    async def send(request: Request) -> Response:
        try:
            body = msgspec.json.decode(request.body, type=SendSmsRequest)
        except msgspec.ValidationError as exc:
            code = "invalid_phone" if "$.phone" in str(exc) else "invalid_request"
            raise HttpError(400, code, str(exc)) from None
        except msgspec.DecodeError as exc:
            raise HttpError(400, "invalid_request", str(exc)) from None
        replay = state.idempotency.replay(request)
        if replay is not None:
            return replay
        text = render(body.template_code, body.params, body.sign_name)
        message_id = f"SMS{len(state.outbox) + 1:08d}"
        sent_at = dt.datetime.fromtimestamp(context.clock.now(), dt.UTC)
        state.outbox.append(OutboxMessage(message_id, body.phone, body.template_code, text, sent_at))
        receipt = SmsReceipt(message_id=message_id, status="accepted")
        return state.idempotency.remember(request, json_response(receipt))

    @router.route("POST", "/v1/sms/send-batch")
    async def send_batch(request: Request) -> Response:
        try:
            body = msgspec.json.decode(request.body, type=SendBatchRequest)
        except (msgspec.ValidationError, msgspec.DecodeError) as exc:
            raise HttpError(400, "invalid_request", str(exc)) from None
        text = render(body.template_code, body.params, body.sign_name)
        sent_at = dt.datetime.fromtimestamp(context.clock.now(), dt.UTC)
        results: list[BatchResult] = []
        for item in body.items:
            if not _PHONE.match(item.phone):
                results.append(BatchResult(out_id=item.out_id, status="rejected", code="invalid_phone"))
                continue
            earlier = state.out_ids.get(item.out_id)
            if earlier is not None:
                results.append(
                    BatchResult(out_id=item.out_id, status="accepted", message_id=earlier, repeated=True)
                )
                continue
            message_id = f"SMS{len(state.outbox) + 1:08d}"
            state.out_ids[item.out_id] = message_id
            state.outbox.append(OutboxMessage(message_id, item.phone, body.template_code, text, sent_at))
            results.append(BatchResult(out_id=item.out_id, status="accepted", message_id=message_id))
        return json_response(SendBatchResponse(results=results))

    @router.route("GET", "/outbox", control=True)
    async def outbox(request: Request) -> Response:
        phone = request.query.get("phone")
        return json_response([m for m in state.outbox if phone is None or m.phone == phone])

    @router.route("GET", "/templates", control=True)
    async def templates(_: Request) -> Response:
        return json_response(TEMPLATES)

    return twin
