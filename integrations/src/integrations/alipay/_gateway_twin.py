"""A sandbox twin of the ``gateway.do`` protocol, shared by the login and payment twins.

It checks what the real gateway checks — known ``app_id``, ``sign_type=RSA2``, a valid RSA2
``sign`` by the app's key, a ``timestamp`` within 15 minutes — and answers
``{"<method>_response": {...}, "sign": "..."}`` signed with its own Alipay key pair.

Keys: one Alipay key pair and one sandbox app key pair per (seed, process), generated on
first use and shared by every gateway twin of that seed, so the login and payment twins
behave like the single real gateway. They are published by :meth:`GatewayKeys.public` and
the ``GET /sandbox-keys`` control route; sandbox keys are never production keys.
"""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

import msgspec
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from integrations._asgi import Request, Response, json_response
from integrations._keys import seeded_rsa_key
from integrations._twin import Twin, TwinContext, new_twin
from integrations.alipay._gateway import GATEWAY_PATH, SUCCESS, gateway_timestamp
from integrations.alipay._sign import rsa2_sign, rsa2_verify, sign_content
from integrations.errors import SignatureRejected

SANDBOX_APP_ID = "2021000000000001"
_TIMESTAMP_WINDOW_SECONDS = 15 * 60
_FORM = "application/x-www-form-urlencoded"


class GatewayError(Exception):
    """A refusal a method handler raises; becomes the node's ``code``/``sub_code``."""

    def __init__(self, code: str, msg: str, sub_code: str, sub_msg: str = "") -> None:
        super().__init__(sub_code)
        self.node = {"code": code, "msg": msg, "sub_code": sub_code, "sub_msg": sub_msg or msg}


def business_failed(sub_code: str, sub_msg: str = "") -> GatewayError:
    """Code 40004: the request was valid but the business rule said no."""
    return GatewayError("40004", "Business Failed", sub_code, sub_msg)


def invalid_arguments(sub_code: str, sub_msg: str = "") -> GatewayError:
    """Code 40002: a parameter is missing or wrong."""
    return GatewayError("40002", "Invalid Arguments", sub_code, sub_msg)


@dataclass(frozen=True, slots=True)
class GatewayCall:
    """One verified gateway request: the method, its top-level params and ``biz_content``."""

    method: str
    params: Mapping[str, str]
    biz: Mapping[str, Any]


MethodHandler = Callable[[GatewayCall], Awaitable[dict[str, Any]]]


def _public_der_b64(key: rsa.RSAPublicKey) -> str:
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(der).decode()


@dataclass(frozen=True, slots=True)
class GatewayKeys:
    """The sandbox gateway's key material (sandbox only, published by design)."""

    alipay_private_key: rsa.RSAPrivateKey
    app_private_key: rsa.RSAPrivateKey
    aes_key: str

    @classmethod
    def for_seed(cls, context: TwinContext) -> GatewayKeys:
        aes = context.rng("alipay:aes").randbytes(16)
        return cls(
            alipay_private_key=seeded_rsa_key(context.seed, "alipay", cache=context.key_cache),
            app_private_key=seeded_rsa_key(context.seed, "alipay-app", cache=context.key_cache),
            aes_key=base64.b64encode(aes).decode(),
        )

    def public(self) -> dict[str, str]:
        """What an app needs to talk to this gateway: keys as the open-platform console shows
        them (bare base64), plus the sandbox app's private key in PKCS#8 PEM."""
        app_pem = self.app_private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        return {
            "app_id": SANDBOX_APP_ID,
            "alipay_public_key": _public_der_b64(self.alipay_private_key.public_key()),
            "app_private_key": app_pem.decode(),
            "aes_key": self.aes_key,
        }


@dataclass(slots=True)
class GatewayState:
    """Keys and the apps the gateway knows (app_id → the app's public key)."""

    keys: GatewayKeys
    apps: dict[str, rsa.RSAPublicKey] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)


def create_gateway_twin(
    name: str, context: TwinContext, state: Any, methods: Mapping[str, MethodHandler]
) -> Twin:
    """A twin answering ``GET``/``POST /gateway.do`` with ``methods``; ``state.gateway`` is its
    :class:`GatewayState`."""
    gateway: GatewayState = state.gateway
    twin, router = new_twin(name, context, state, signed=False)

    def answer(method: str, node: dict[str, Any], *, error: bool = False) -> Response:
        # Serialise the node once, sign exactly those characters, splice them in verbatim.
        text = msgspec.json.encode(node).decode()
        sign = rsa2_sign(text, gateway.keys.alipay_private_key)
        key = "error_response" if error else method.replace(".", "_") + "_response"
        body = f'{{"{key}":{text},"sign":"{sign}"}}'.encode()
        return Response(200, body, {"content-type": "application/json;charset=utf-8"})

    async def gateway_do(request: Request) -> Response:
        params = _request_params(request)
        method = params.get("method", "")
        try:
            _check_request(params, gateway, context.clock.now())
            handler = methods.get(method)
            if handler is None:
                raise invalid_arguments("isv.invalid-method", f"不存在的方法名 {method}")
            biz = _biz_content(params)
            gateway.calls.append(method)
            node = await handler(GatewayCall(method=method, params=params, biz=biz))
        except GatewayError as exc:
            # Login refusals come back as error_response; business refusals in the method node.
            return answer(method, exc.node, error=exc.node["code"] != "40004")
        return answer(method, {"code": SUCCESS, "msg": "Success", **node})

    # The real gateway answers GET (python-alipay-sdk's urlopen) and POST, with the parameters in
    # the query string, in a form-encoded body (Alipay's own SDKs send biz_content there), or both.
    router.add("GET", GATEWAY_PATH, gateway_do)
    router.add("POST", GATEWAY_PATH, gateway_do)

    @router.route("GET", "/sandbox-keys", control=True)
    async def sandbox_keys(_: Request) -> Response:
        return json_response(gateway.keys.public())

    return twin


def _request_params(request: Request) -> dict[str, str]:
    """The query string's parameters, then a form-encoded body's (which win on a repeat)."""
    params = dict(request.query)
    content_type = request.headers.get("content-type", "")
    if request.body and content_type.split(";")[0].strip().lower() == _FORM:
        params.update(parse_qsl(request.body.decode("utf-8", errors="replace"), keep_blank_values=True))
    return params


def _check_request(params: Mapping[str, str], gateway: GatewayState, now: float) -> None:
    app_key = gateway.apps.get(params.get("app_id", ""))
    if app_key is None:
        raise invalid_arguments("isv.invalid-app-id", "无效的AppID参数")
    if params.get("sign_type") != "RSA2":
        raise invalid_arguments("isv.invalid-signature-type", "无效的签名类型")
    sign = params.get("sign")
    if not sign:
        raise GatewayError("40001", "Missing Required Arguments", "isv.missing-signature")
    try:
        rsa2_verify(sign_content(params), sign, app_key)
    except SignatureRejected:
        raise invalid_arguments("isv.invalid-signature", "验签出错") from None
    try:
        sent = datetime.strptime(params.get("timestamp", ""), "%Y-%m-%d %H:%M:%S")
    except ValueError:
        raise invalid_arguments("isv.invalid-timestamp", "非法的时间戳参数") from None
    if abs((sent - datetime.strptime(gateway_timestamp(now), "%Y-%m-%d %H:%M:%S")).total_seconds()) > (
        _TIMESTAMP_WINDOW_SECONDS
    ):
        raise invalid_arguments("isv.invalid-timestamp", "非法的时间戳参数")


def _biz_content(params: Mapping[str, str]) -> dict[str, Any]:
    raw = params.get("biz_content")
    if raw is None:
        return {}
    try:
        biz = msgspec.json.decode(raw)
    except msgspec.DecodeError:
        raise invalid_arguments("isv.invalid-biz-content", "biz_content 格式错误") from None
    if not isinstance(biz, dict):
        raise invalid_arguments("isv.invalid-biz-content", "biz_content 格式错误")
    return biz
