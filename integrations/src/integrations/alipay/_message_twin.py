"""The subscribe-message part of the Alipay twin (``alipay.open.app.mini.templatemessage.send``).

biz_content, as the open platform documents it: ``to_user_id`` (a ``2088`` user id) or ``to_open_id``
(apps since the OpenID migration), ``user_template_id`` (from the merchant platform's 订阅消息),
``page``, and ``data``, a JSON *string* (or object) ``{"keyword1": {"value": "..."}, ...}``; success is
the bare ``code: 10000``. A one-time template grants one send per user "allow" in
``my.requestSubscribeMessage``.

Refusals (sub_codes are our reading of the documentation; unverified against production):
``USER_TEMPLATE_ILLEGAL`` unknown template, ``USER_UNSUBSCRIBED`` no authorisation left,
``DATA_ILLEGAL`` a keyword value over 20 characters or not a string, ``isv.invalid-parameter`` a
recipient that is neither id. Every sandbox user holds unlimited authorisations unless
:meth:`MessageTwinState.set_grants` says otherwise. ``GET /messages?user_id=`` (control) lists what a
user received.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import msgspec

from integrations._asgi import Request, Response, error_response, json_response
from integrations.alipay._client import NO_SUBSCRIPTION, SEND_METHOD
from integrations.alipay._gateway_twin import GatewayCall, MethodHandler, business_failed, invalid_arguments

SANDBOX_MESSAGE_TEMPLATES = frozenset(
    {
        "sandbox-ali-application-status",
        "sandbox-ali-application-correction",
        "sandbox-ali-booking",
        "sandbox-ali-tourism-offer",
        "sandbox-ali-education-admission",
        "sandbox-ali-education-notice",
        "sandbox-ali-credit-objection",
        "sandbox-ali-hotline-reply",
    }
)
_VALUE_MAX = 20
_USER_ID = re.compile(r"^2088\d{12}$")
_OPEN_ID = re.compile(r"^[0-9A-Za-z_-]{20,64}$")


@dataclass(slots=True)
class MessageTwinState:
    grants: dict[tuple[str, str], int] = field(default_factory=dict)  # (user, template) → sends left
    sent: list[dict[str, Any]] = field(default_factory=list)

    def set_grants(self, user_id: str, template_id: str, count: int) -> None:
        """Limit ``user_id`` (a user id or open id) to ``count`` more sends of ``template_id``."""
        self.grants[(user_id, template_id)] = count


def _data(raw: Any) -> dict[str, str]:
    if isinstance(raw, str):
        try:
            raw = msgspec.json.decode(raw)
        except msgspec.DecodeError:
            raise invalid_arguments("isv.invalid-parameter", "data 格式错误") from None
    if not isinstance(raw, dict) or not raw:
        raise invalid_arguments("isv.missing-parameter", "data 不能为空")
    values: dict[str, str] = {}
    for key, item in raw.items():
        value = item.get("value") if isinstance(item, dict) else None
        if not isinstance(value, str) or len(value) > _VALUE_MAX:
            raise business_failed("DATA_ILLEGAL", f"{key} 的值不合法")
        values[key] = value
    return values


def message_methods(state: MessageTwinState) -> dict[str, MethodHandler]:
    async def send(call: GatewayCall) -> dict[str, Any]:
        user = call.biz.get("to_open_id") or call.biz.get("to_user_id")
        if not isinstance(user, str) or (_USER_ID.match(user) is None and _OPEN_ID.match(user) is None):
            raise invalid_arguments("isv.invalid-parameter", "to_user_id / to_open_id 无效")
        template = call.biz.get("user_template_id")
        if template not in SANDBOX_MESSAGE_TEMPLATES:
            raise business_failed("USER_TEMPLATE_ILLEGAL", "模板不存在或未领用")
        values = _data(call.biz.get("data"))
        remaining = state.grants.get((user, template))
        if remaining is not None:
            if remaining <= 0:
                raise business_failed(NO_SUBSCRIPTION, "用户未订阅该消息或订阅次数已用完")
            state.grants[(user, template)] = remaining - 1
        state.sent.append(
            {"to": user, "user_template_id": template, "page": call.biz.get("page"), "data": values}
        )
        return {}

    return {SEND_METHOD: send}


def messages_route(state: MessageTwinState) -> Any:
    async def messages(request: Request) -> Response:
        user = request.query.get("user_id", "")
        if not user:
            return error_response(400, "invalid_request", "user_id: a 2088 user id or an app's open_id")
        return json_response([m for m in state.sent if m["to"] == user])

    return messages
