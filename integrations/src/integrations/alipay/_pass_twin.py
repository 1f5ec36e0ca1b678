"""The 支付宝卡包 (alipass) part of the Alipay twin: templates, passes per user, a card-pack view.

Methods, as the open platform documents them (biz_content):

* ``alipay.pass.template.add`` ``{unique_id, tpl_content}`` → ``result`` (a JSON *string*)
  ``{"tpl_id", "tpl_params": [variables], "errorCode", "errorMsg"}``. Variables are the
  ``$name$`` placeholders anywhere in ``tpl_content``. A repeated ``unique_id`` answers the
  template it created (our reading of "商户用于控制模版的唯一性"; unverified).
* ``alipay.pass.instance.add`` ``{tpl_id, tpl_params, recognition_type, recognition_info}`` —
  ``recognition_type`` ``"2"`` (by user id, the uid 发券 flow) with ``{"user_id": "2088..."}``;
  type ``"1"`` (an order) is refused here (no trades are looked up). ``tpl_params`` must give
  every template variable; the rendered ``fileInfo.serialNumber`` is the pass's serial number,
  unique per app, and ``platform.channelID`` its channel. → ``result``
  ``{"serialNumber", "passId", "operation": "ADD", "errorCode": "1000", "errorMsg": ""}``.
* ``alipay.pass.instance.update`` ``{serial_number, channel_id, status?, tpl_params?}`` —
  ``CLOSED`` withdraws, ``USED`` consumes; new ``tpl_params`` re-render the pass.

``tpl_content``, ``tpl_params`` and ``recognition_info`` are accepted as JSON objects (the
documentation's examples) or as JSON strings (the official SDKs' String-typed models).
``GET /passes?user_id=`` (control) is the user's card pack.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import Any

import msgspec

from integrations._asgi import Request, Response, error_response, json_response
from integrations.alipay._gateway import gateway_timestamp
from integrations.alipay._gateway_twin import GatewayCall, MethodHandler, business_failed, invalid_arguments
from integrations.clock import Clock

_VARIABLE = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]{0,63})\$")
_USER_ID = re.compile(r"^2088\d{12}$")
_OPEN_ID = re.compile(r"^[0-9A-Za-z_-]{20,64}$")
_STATUSES = frozenset({"CLOSED", "USED"})


@dataclass(slots=True)
class PassTemplate:
    tpl_id: str
    unique_id: str
    content: Any  # the tpl_content object, placeholders intact
    variables: tuple[str, ...]


@dataclass(slots=True)
class IssuedPass:
    pass_id: str
    serial_number: str
    channel_id: str
    tpl_id: str
    user_id: str
    params: dict[str, str]
    status: str = "ACTIVE"  # ACTIVE, CLOSED or USED
    issued_at: str = ""

    def view(self, template: PassTemplate) -> dict[str, Any]:
        """What the card pack shows: the template rendered with this pass's parameters."""
        return {
            "pass_id": self.pass_id,
            "serial_number": self.serial_number,
            "tpl_id": self.tpl_id,
            "status": self.status,
            "issued_at": self.issued_at,
            "content": render(template.content, self.params),
        }


@dataclass(slots=True)
class PassTwinState:
    templates: dict[str, PassTemplate] = field(default_factory=dict)  # tpl_id → template
    by_unique_id: dict[str, str] = field(default_factory=dict)
    passes: dict[str, IssuedPass] = field(default_factory=dict)  # serial number → pass

    def of_user(self, user_id: str) -> list[IssuedPass]:
        return [issued for issued in self.passes.values() if issued.user_id == user_id]


def variables_of(content: Any) -> tuple[str, ...]:
    """The ``$name$`` variables of a template, in order of first appearance."""
    text = msgspec.json.encode(content).decode()
    return tuple(dict.fromkeys(_VARIABLE.findall(text)))


def render(content: Any, params: dict[str, str]) -> Any:
    """``content`` with every ``$name$`` in its strings replaced by ``params[name]``."""
    if isinstance(content, str):
        return _VARIABLE.sub(lambda m: params.get(m.group(1), m.group(0)), content)
    if isinstance(content, list):
        return [render(item, params) for item in content]
    if isinstance(content, dict):
        return {key: render(value, params) for key, value in content.items()}
    return content


def _object(value: Any, name: str) -> dict[str, Any]:
    """A JSON object given as an object or as a JSON string."""
    if isinstance(value, str):
        try:
            value = msgspec.json.decode(value)
        except msgspec.DecodeError:
            raise invalid_arguments("isv.invalid-parameter", f"{name} 格式错误") from None
    if not isinstance(value, dict):
        raise invalid_arguments("isv.missing-parameter" if value is None else "isv.invalid-parameter", name)
    return value


def _params(value: Any) -> dict[str, str]:
    params = _object(value, "tpl_params")
    if not all(isinstance(v, str) for v in params.values()):
        raise invalid_arguments("isv.invalid-parameter", "tpl_params 的值必须是字符串")
    return params


def _result(**fields: Any) -> dict[str, Any]:
    # ``result`` is a JSON string inside the node; ``success`` a string, as the SDK models type it.
    body = {**fields, "errorCode": "1000", "errorMsg": ""}
    return {"success": "true", "result": msgspec.json.encode(body).decode()}


def pass_methods(state: PassTwinState, *, rng: random.Random, clock: Clock) -> dict[str, MethodHandler]:
    """The three ``alipay.pass.*`` gateway methods over ``state``."""

    async def template_add(call: GatewayCall) -> dict[str, Any]:
        unique_id = call.biz.get("unique_id")
        if not isinstance(unique_id, str) or not unique_id:
            raise invalid_arguments("isv.missing-parameter", "unique_id 不能为空")
        content = _object(call.biz.get("tpl_content"), "tpl_content")
        if not isinstance(content.get("content"), dict) or not content.get("logo"):
            raise invalid_arguments("isv.invalid-parameter", "tpl_content 须含 logo 与 content")
        known = state.by_unique_id.get(unique_id)
        if known is None:
            known = f"{int(clock.now()):010d}{rng.getrandbits(48):015d}"  # 25 digits, as in the docs
            state.templates[known] = PassTemplate(known, unique_id, content, variables_of(content))
            state.by_unique_id[unique_id] = known
        template = state.templates[known]
        return _result(tpl_id=template.tpl_id, tpl_params=list(template.variables))

    async def instance_add(call: GatewayCall) -> dict[str, Any]:
        template = state.templates.get(str(call.biz.get("tpl_id", "")))
        if template is None:
            raise business_failed("KP.TEMPLATE_NOT_EXIST", "模板不存在")
        if call.biz.get("recognition_type") != "2":
            raise invalid_arguments("isv.invalid-parameter", "recognition_type 仅支持 2(按用户发放)")
        recognition = _object(call.biz.get("recognition_info"), "recognition_info")
        # A 2088 user_id (older apps), or the app's open_id since the OpenID migration.
        user_id = recognition.get("user_id") or recognition.get("open_id")
        if not isinstance(user_id, str) or (
            _USER_ID.match(user_id) is None and _OPEN_ID.match(user_id) is None
        ):
            raise invalid_arguments("isv.invalid-parameter", "recognition_info.user_id / open_id 无效")
        params = _params(call.biz.get("tpl_params"))
        missing = [name for name in template.variables if not params.get(name)]
        if missing:
            raise business_failed("KP.TPL_PARAMS_MISSING", f"模板变量缺失: {','.join(missing)}")
        rendered = render(template.content, params)
        file_info = rendered["content"].get("fileInfo") or {}
        serial = file_info.get("serialNumber")
        channel = (rendered["content"].get("platform") or {}).get("channelID") or call.params.get(
            "app_id", ""
        )
        if not isinstance(serial, str) or not serial:
            raise business_failed("KP.SERIAL_NUMBER_MISSING", "fileInfo.serialNumber 为空")
        if serial in state.passes:
            raise business_failed("KP.SERIAL_NUMBER_DUPLICATE", "serialNumber 重复")
        pass_id = f"{int(clock.now()):010d}{rng.getrandbits(64):020d}"
        state.passes[serial] = IssuedPass(
            pass_id,
            serial,
            str(channel),
            template.tpl_id,
            user_id,
            params,
            issued_at=gateway_timestamp(clock.now()),
        )
        return _result(serialNumber=serial, passId=pass_id, operation="ADD")

    async def instance_update(call: GatewayCall) -> dict[str, Any]:
        issued = state.passes.get(str(call.biz.get("serial_number", "")))
        if issued is None:
            raise business_failed("KP.PASS_NOT_EXIST", "卡券不存在")
        if call.biz.get("channel_id") != issued.channel_id:
            raise business_failed("KP.CHANNEL_ID_MISMATCH", "channel_id 与发券时不一致")
        status = call.biz.get("status")
        tpl_params = call.biz.get("tpl_params")
        if status is None and tpl_params is None:
            raise invalid_arguments("isv.missing-parameter", "status 与 tpl_params 至少传一个")
        if status is not None and status not in _STATUSES:
            raise invalid_arguments("isv.invalid-parameter", "status 仅支持 USED、CLOSED")
        if issued.status != "ACTIVE":
            raise business_failed("KP.PASS_STATUS_ERROR", f"卡券已{issued.status}")
        if tpl_params is not None:
            merged = {**issued.params, **_params(tpl_params)}
            unknown = set(merged) - set(state.templates[issued.tpl_id].variables)
            if unknown:
                raise business_failed("KP.TPL_PARAMS_UNKNOWN", f"未知的模板变量: {','.join(sorted(unknown))}")
            issued.params = merged
        if status is not None:
            issued.status = status
        return _result(serialNumber=issued.serial_number, passId=issued.pass_id, operation="UPDATE")

    return {
        "alipay.pass.template.add": template_add,
        "alipay.pass.instance.add": instance_add,
        "alipay.pass.instance.update": instance_update,
    }


def card_pack_route(state: PassTwinState) -> Any:
    """``GET /passes?user_id=`` (a 2088 user id or an open_id) — the user's 卡包: every pass issued to
    them, rendered."""

    async def passes(request: Request) -> Response:
        user_id = request.query.get("user_id", "")
        if _USER_ID.match(user_id) is None and _OPEN_ID.match(user_id) is None:
            return error_response(400, "invalid_request", "user_id: a 2088 user id or an app's open_id")
        shown = [issued.view(state.templates[issued.tpl_id]) for issued in state.of_user(user_id)]
        return json_response(shown)

    return passes
