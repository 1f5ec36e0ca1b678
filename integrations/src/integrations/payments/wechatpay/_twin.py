"""Sandbox twin of WeChat Pay API v3 (registered as ``wechatpay`` in the sandbox).

It speaks the real protocol: requests must carry a valid ``WECHATPAY2-SHA256-RSA2048``
``Authorization`` by the sandbox merchant key (±300 s), every answer is signed with the
twin's platform key (``Wechatpay-*`` headers), and notifications carry an AES-256-GCM
resource under the APIv3 key.

Control routes (never signed or faulted):

* ``GET /sandbox-keys`` — mchid, appid, serials, the platform public key, the sandbox merchant
  private key and the APIv3 key (sandbox-only material, published by design);
* ``POST /sandbox/orders/{out_trade_no}/pay`` — the user pays: the order becomes ``SUCCESS``
  and a signed ``TRANSACTION.SUCCESS`` notification is emitted;
* ``GET /sandbox/notifications`` — every notification emitted, with headers and raw body.

Refunds succeed at once and emit ``REFUND.SUCCESS``. Emitted notifications are appended to
``state.notifications`` and, when ``state.notification_sink`` is set, handed to it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import msgspec
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from integrations._asgi import Request, Response, json_response
from integrations._twin import Twin, TwinContext, new_twin
from integrations.clock import make_nonce
from integrations.errors import SignatureRejected
from integrations.payments._notification import NotificationSink, SignedNotification
from integrations.payments.wechatpay._crypto import (
    encrypt_resource,
    parse_authorization,
    platform_signature_headers,
    rsa_verify,
)
from integrations.payments.wechatpay._schemas import JsapiOrderBody, RefundRequestBody
from integrations.signing import REQUEST_WINDOW_SECONDS
from integrations.wechat import SANDBOX_APPID

SANDBOX_MCHID = "1900000001"
SANDBOX_MERCHANT_SERIAL = "SANDBOXMERCHANTSERIAL0001"
SANDBOX_PLATFORM_SERIAL = "PUB_KEY_ID_0000000000000001"
_BEIJING = timezone(timedelta(hours=8))


@functools.cache
def _rsa_key(seed: int, label: str) -> rsa.RSAPrivateKey:
    # Generated once per (seed, label) and process: 2048-bit generation costs ~70 ms.
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass(slots=True)
class _Order:
    body: JsapiOrderBody
    prepay_id: str
    trade_state: str = "NOTPAY"
    transaction_id: str | None = None
    success_time: str | None = None
    refunded: int = 0


@dataclass(slots=True)
class WeChatPayTwinState:
    """Merchant, keys, orders and emitted notifications; tests may read and change it."""

    appid: str
    merchant_private_key: rsa.RSAPrivateKey
    platform_private_key: rsa.RSAPrivateKey
    apiv3_key: bytes
    mchid: str = SANDBOX_MCHID
    orders: dict[str, _Order] = field(default_factory=dict)
    refunds: dict[str, dict[str, Any]] = field(default_factory=dict)
    notifications: list[SignedNotification] = field(default_factory=list)
    notification_sink: NotificationSink | None = None

    def public(self) -> dict[str, str]:
        """What the merchant configures to talk to this twin."""
        platform_pem = self.platform_private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        merchant_pem = self.merchant_private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        return {
            "mchid": self.mchid,
            "appid": self.appid,
            "merchant_serial": SANDBOX_MERCHANT_SERIAL,
            "merchant_private_key": merchant_pem.decode(),
            "platform_serial": SANDBOX_PLATFORM_SERIAL,
            "platform_public_key": platform_pem.decode(),
            "apiv3_key": self.apiv3_key.decode(),
        }


def create_wechatpay_twin(context: TwinContext) -> Twin:
    """Build the WeChat Pay twin for the sandbox WeChat mini program's appid."""
    rng = context.rng("wechatpay")
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    state = WeChatPayTwinState(
        appid=SANDBOX_APPID,
        merchant_private_key=_rsa_key(context.seed, "wechatpay-merchant"),
        platform_private_key=_rsa_key(context.seed, "wechatpay-platform"),
        apiv3_key="".join(rng.choice(alphabet) for _ in range(32)).encode(),
    )
    twin, router = new_twin("wechatpay", context, state, signed=False)
    clock = context.clock

    def platform_headers(body: bytes) -> dict[str, str]:
        return platform_signature_headers(
            body,
            private_key=state.platform_private_key,
            serial=SANDBOX_PLATFORM_SERIAL,
            timestamp=int(clock.now()),
            nonce=make_nonce(rng),
        )

    def signed(data: Any, status: int = 200) -> Response:
        body = msgspec.json.encode(data)
        return Response(status, body, {"content-type": "application/json", **platform_headers(body)})

    def fail(status: int, code: str, message: str) -> Response:
        return signed({"code": code, "message": message}, status)

    def now_rfc3339() -> str:
        return datetime.fromtimestamp(clock.now(), tz=UTC).astimezone(_BEIJING).isoformat()

    async def merchant_signature(request: Request) -> Response | None:
        try:
            auth = parse_authorization(request.headers.get("authorization"))
            if auth.mchid != state.mchid or auth.serial_no != SANDBOX_MERCHANT_SERIAL:
                raise SignatureRejected("unknown_key")
            if abs(clock.now() - int(auth.timestamp)) > REQUEST_WINDOW_SECONDS:
                raise SignatureRejected("stale")
            rsa_verify(
                state.merchant_private_key.public_key(), auth.signature, request.method,
                request.target, auth.timestamp, auth.nonce, request.body,
            )  # fmt: skip
        except (SignatureRejected, ValueError) as exc:
            reason = exc.reason if isinstance(exc, SignatureRejected) else "bad_timestamp"
            return fail(401, "SIGN_ERROR", f"签名错误: {reason}")
        return None

    router.guards.append(merchant_signature)

    async def emit(url: str, event_type: str, summary: str, original: str, data: Any) -> None:
        nonce = "".join(rng.choice(alphabet) for _ in range(12))
        resource = {
            "original_type": original,
            "algorithm": "AEAD_AES_256_GCM",
            "ciphertext": encrypt_resource(
                msgspec.json.encode(data), nonce=nonce, associated_data=original,
                apiv3_key=state.apiv3_key,
            ),
            "associated_data": original,
            "nonce": nonce,
        }  # fmt: skip
        body = msgspec.json.encode(
            {
                "id": f"EV-{len(state.notifications) + 1:016d}",
                "create_time": now_rfc3339(),
                "resource_type": "encrypt-resource",
                "event_type": event_type,
                "summary": summary,
                "resource": resource,
            }
        )
        notification = SignedNotification(url=url, headers=platform_headers(body), body=body.decode())
        state.notifications.append(notification)
        if state.notification_sink is not None:
            await state.notification_sink(notification)

    def transaction(order: _Order) -> dict[str, Any]:
        body = order.body
        data: dict[str, Any] = {
            "appid": body.appid,
            "mchid": body.mchid,
            "out_trade_no": body.out_trade_no,
            "trade_type": "JSAPI",
            "trade_state": order.trade_state,
            "payer": {"openid": body.payer.openid},
            "amount": {"total": body.amount.total, "currency": body.amount.currency},
        }
        if order.transaction_id is not None:
            data["transaction_id"] = order.transaction_id
            data["success_time"] = order.success_time
            data["amount"].update(payer_total=body.amount.total, payer_currency="CNY")
        if body.attach is not None:
            data["attach"] = body.attach
        return data

    @router.route("POST", "/v3/pay/transactions/jsapi")
    async def jsapi(request: Request) -> Response:
        try:
            body = msgspec.json.decode(request.body, type=JsapiOrderBody)
        except msgspec.DecodeError as exc:
            return fail(400, "PARAM_ERROR", str(exc))
        if body.mchid != state.mchid or body.appid != state.appid:
            return fail(400, "APPID_MCHID_NOT_MATCH", "appid和mch_id不匹配")
        if body.amount.total <= 0 or body.amount.currency != "CNY":
            return fail(400, "PARAM_ERROR", "amount.total 必须为正整数（分）")
        existing = state.orders.get(body.out_trade_no)
        if existing is not None:
            if existing.trade_state != "NOTPAY":
                return fail(400, "ORDERPAID", "该订单已支付")
            if existing.body != body:
                return fail(400, "INVALID_REQUEST", "201 商户订单号重复")
            return signed({"prepay_id": existing.prepay_id})
        prepay_id = f"wx{rng.getrandbits(96):024x}"
        state.orders[body.out_trade_no] = _Order(body=body, prepay_id=prepay_id)
        return signed({"prepay_id": prepay_id})

    @router.route("GET", "/v3/pay/transactions/out-trade-no/{out_trade_no}")
    async def query(request: Request) -> Response:
        order = state.orders.get(request.path_params["out_trade_no"])
        if order is None or request.query.get("mchid") != state.mchid:
            return fail(404, "ORDER_NOT_EXIST", "订单不存在")
        return signed(transaction(order))

    @router.route("POST", "/v3/refund/domestic/refunds")
    async def refund(request: Request) -> Response:
        try:
            body = msgspec.json.decode(request.body, type=RefundRequestBody)
        except msgspec.DecodeError as exc:
            return fail(400, "PARAM_ERROR", str(exc))
        previous = state.refunds.get(body.out_refund_no)
        if previous is not None:
            if previous["request"] != msgspec.to_builtins(body):
                return fail(400, "INVALID_REQUEST", "退款单号重复")
            return signed(previous["response"])
        order = state.orders.get(body.out_trade_no)
        if order is None:
            return fail(404, "RESOURCE_NOT_EXISTS", "订单不存在")
        if order.trade_state not in ("SUCCESS", "REFUND"):
            return fail(400, "INVALID_REQUEST", "订单未支付")
        total = order.body.amount.total
        if body.amount.total != total:
            return fail(400, "PARAM_ERROR", "订单金额不一致")
        if not 0 < body.amount.refund <= total - order.refunded:
            return fail(400, "INVALID_REQUEST", "申请退款金额超过订单可退金额")
        order.refunded += body.amount.refund
        order.trade_state = "REFUND"
        amount = {
            "refund": body.amount.refund,
            "total": total,
            "payer_total": total,
            "payer_refund": body.amount.refund,
            "currency": "CNY",
        }
        response = {
            "refund_id": f"50000{rng.getrandbits(64):020d}"[:29],
            "out_refund_no": body.out_refund_no,
            "transaction_id": order.transaction_id,
            "out_trade_no": body.out_trade_no,
            "status": "PROCESSING",
            "create_time": now_rfc3339(),
            "amount": amount,
        }
        state.refunds[body.out_refund_no] = {
            "request": msgspec.to_builtins(body),
            "response": response,
        }
        notice = {
            "mchid": state.mchid,
            "out_trade_no": body.out_trade_no,
            "transaction_id": order.transaction_id,
            "out_refund_no": body.out_refund_no,
            "refund_id": response["refund_id"],
            "refund_status": "SUCCESS",
            "success_time": now_rfc3339(),
            "amount": amount,
        }
        url = body.notify_url or order.body.notify_url
        await emit(url, "REFUND.SUCCESS", "退款成功", "refund", notice)
        return signed(response)

    async def pay(request: Request) -> Response:
        order = state.orders.get(request.path_params["out_trade_no"])
        if order is None:
            return json_response({"code": "ORDER_NOT_EXIST", "message": ""}, status=404)
        if order.trade_state == "NOTPAY":
            order.trade_state = "SUCCESS"
            order.transaction_id = f"4200{rng.getrandbits(80):024d}"[:28]
            order.success_time = now_rfc3339()
            await emit(
                order.body.notify_url, "TRANSACTION.SUCCESS", "支付成功", "transaction",
                transaction(order),
            )  # fmt: skip
        return json_response(transaction(order))

    async def notifications(_: Request) -> Response:
        return json_response(state.notifications)

    async def sandbox_keys(_: Request) -> Response:
        return json_response(state.public())

    router.add("POST", "/sandbox/orders/{out_trade_no}/pay", pay, control=True)
    router.add("GET", "/sandbox/notifications", notifications, control=True)
    router.add("GET", "/sandbox-keys", sandbox_keys, control=True)
    return twin
