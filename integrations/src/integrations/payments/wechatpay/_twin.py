"""Sandbox twin of WeChat Pay API v3 (registered as ``wechatpay`` in the sandbox).

It speaks the real protocol: requests must carry a valid ``WECHATPAY2-SHA256-RSA2048``
``Authorization`` by the sandbox merchant key (±300 s) over the path relative to the twin
(what a client configured with the twin as its host signs), every answer is signed with the
twin's platform key (``Wechatpay-*`` headers, a 204's empty body too), and notifications
carry an AES-256-GCM resource under the APIv3 key.

API routes: JSAPI and APP orders (an APP order under the mobile app's ``app_appid``, bound
to the same merchant, with no payer: the app's user is known once they pay), order query (by
``out_trade_no`` or ``transaction_id``), close order; refund and refund query (``_twin_refund``);
trade bill and its download (``_twin_bill``).
Control routes (never signed or faulted):

* ``GET /sandbox-keys`` — mchid, appid, serials, the platform public key, the sandbox merchant
  private key and the APIv3 key (sandbox-only material, published by design);
* ``POST /sandbox/orders/{out_trade_no}/pay`` — the user pays (in the mini program, or in
  WeChat opened by the app's ``PayReq``): the order becomes ``SUCCESS``
  and a signed ``TRANSACTION.SUCCESS`` notification is emitted (409 once the order is closed);
* ``GET /sandbox/notifications`` — every notification emitted, with headers and raw body.

Refunds succeed at once and emit ``REFUND.SUCCESS``. Emitted notifications are appended to
``state.notifications`` and, when ``state.notification_sink`` is set, handed to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import msgspec
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from integrations._asgi import Request, Response, json_response
from integrations._keys import seeded_rsa_key
from integrations._twin import Twin, TwinContext, new_twin
from integrations.clock import Clock, make_nonce
from integrations.errors import SignatureRejected
from integrations.payments._notification import NotificationSink, SignedNotification
from integrations.payments.wechatpay._crypto import (
    encrypt_resource,
    parse_authorization,
    platform_signature_headers,
    rsa_verify,
)
from integrations.payments.wechatpay._schemas import AppOrderBody, JsapiOrderBody
from integrations.payments.wechatpay._twin_bill import add_bill_routes
from integrations.payments.wechatpay._twin_refund import add_refund_routes
from integrations.signing import REQUEST_WINDOW_SECONDS
from integrations.wechat import SANDBOX_APPID

SANDBOX_MCHID = "1900000001"
SANDBOX_MERCHANT_SERIAL = "SANDBOXMERCHANTSERIAL0001"
SANDBOX_PLATFORM_SERIAL = "PUB_KEY_ID_0000000000000001"
# The sandbox mobile app's Open Platform AppID, bound to the sandbox merchant.
SANDBOX_APP_APPID = "wx5a4d1e3b2c7f9a06"
_BEIJING = timezone(timedelta(hours=8))
_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
# What the order query says beside each trade_state (the platform's own words).
_STATE_DESC = {"NOTPAY": "订单未支付", "SUCCESS": "支付成功", "REFUND": "转入退款", "CLOSED": "订单已关闭"}


@dataclass(slots=True)
class _Order:
    body: JsapiOrderBody | AppOrderBody
    prepay_id: str
    # JSAPI: the payer the order named; APP: the user who paid, once they have.
    payer_openid: str | None = None
    trade_state: str = "NOTPAY"
    transaction_id: str | None = None
    success_time: str | None = None
    refunded: int = 0

    @property
    def trade_type(self) -> str:
        return "APP" if isinstance(self.body, AppOrderBody) else "JSAPI"


@dataclass(slots=True)
class WeChatPayTwinState:
    """Merchant, keys, orders, refunds and emitted notifications; tests may read and change it.

    ``refunds`` maps ``out_refund_no`` to ``{"request": <what was asked>, "refund": <the refund
    object the query answers>}``.
    """

    appid: str
    merchant_private_key: rsa.RSAPrivateKey
    platform_private_key: rsa.RSAPrivateKey
    apiv3_key: bytes
    mchid: str = SANDBOX_MCHID
    app_appid: str = SANDBOX_APP_APPID
    orders: dict[str, _Order] = field(default_factory=dict)
    refunds: dict[str, dict[str, Any]] = field(default_factory=dict)
    notifications: list[SignedNotification] = field(default_factory=list)
    notification_sink: NotificationSink | None = None
    # Bill files by download token, and rows tests add to a day's bill (``_twin_bill``).
    bills: dict[str, bytes] = field(default_factory=dict)
    bill_overrides: dict[str, list[dict[str, str]]] = field(default_factory=dict)

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
            "app_appid": self.app_appid,
            "merchant_serial": SANDBOX_MERCHANT_SERIAL,
            "merchant_private_key": merchant_pem.decode(),
            "platform_serial": SANDBOX_PLATFORM_SERIAL,
            "platform_public_key": platform_pem.decode(),
            "apiv3_key": self.apiv3_key.decode(),
        }


@dataclass(slots=True)
class Platform:
    """The platform's side of every answer: signatures, times, ids and notifications."""

    state: WeChatPayTwinState
    clock: Clock
    rng: Any
    ids: Any  # what the platform mints: TwinContext.minted

    def headers(self, body: bytes) -> dict[str, str]:
        return platform_signature_headers(
            body,
            private_key=self.state.platform_private_key,
            serial=SANDBOX_PLATFORM_SERIAL,
            timestamp=int(self.clock.now()),
            nonce=make_nonce(self.rng),
        )

    def signed(self, data: Any, status: int = 200) -> Response:
        body = msgspec.json.encode(data)
        return Response(status, body, {"content-type": "application/json", **self.headers(body)})

    def no_content(self) -> Response:
        """204 with the platform signature over the empty body, as the real one answers."""
        return Response(204, b"", self.headers(b""))

    def fail(self, status: int, code: str, message: str) -> Response:
        return self.signed({"code": code, "message": message}, status)

    def beijing(self) -> datetime:
        return datetime.fromtimestamp(int(self.clock.now()), tz=UTC).astimezone(_BEIJING)

    def now_rfc3339(self) -> str:
        """``2018-06-08T10:34:56+08:00``: whole seconds, Beijing offset, like every v3 time."""
        return self.beijing().isoformat(timespec="seconds")

    def prepay_id(self) -> str:
        # ``wx`` + yyyyMMddHHmmss + 20 characters: 36 in all, as the platform's prepay ids.
        return f"wx{self.beijing():%Y%m%d%H%M%S}{self.ids.getrandbits(80):020x}"

    def transaction_id(self) -> str:
        # 28 digits starting 4200, as WeChat Pay transaction ids.
        return f"4200{self.beijing():%Y%m%d}{self.ids.randrange(10**16):016d}"

    def refund_id(self) -> str:
        # 29 digits starting 50 (``50000000382019052709732678859`` in the docs).
        return f"5030{self.beijing():%Y%m%d}{self.ids.randrange(10**17):017d}"

    async def emit(self, url: str, event_type: str, summary: str, original: str, data: Any) -> None:
        state = self.state
        nonce = "".join(self.rng.choice(_ALPHABET) for _ in range(12))
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
                "create_time": self.now_rfc3339(),
                "resource_type": "encrypt-resource",
                "event_type": event_type,
                "summary": summary,
                "resource": resource,
            }
        )
        notification = SignedNotification(url=url, headers=self.headers(body), body=body.decode())
        state.notifications.append(notification)
        if state.notification_sink is not None:
            await state.notification_sink(notification)

    def transaction(self, order: _Order) -> dict[str, Any]:
        body = order.body
        data: dict[str, Any] = {
            "appid": body.appid,
            "mchid": body.mchid,
            "out_trade_no": body.out_trade_no,
            "trade_type": order.trade_type,
            "trade_state": order.trade_state,
            "trade_state_desc": _STATE_DESC.get(order.trade_state, ""),
            "amount": {"total": body.amount.total, "currency": body.amount.currency},
        }
        if order.payer_openid is not None:
            data["payer"] = {"openid": order.payer_openid}
        if order.transaction_id is not None:
            data["transaction_id"] = order.transaction_id
            data["bank_type"] = "OTHERS"
            data["success_time"] = order.success_time
            data["amount"].update(payer_total=body.amount.total, payer_currency="CNY")
        if body.attach is not None:
            data["attach"] = body.attach
        return data


def create_wechatpay_twin(context: TwinContext) -> Twin:
    """Build the WeChat Pay twin for the sandbox WeChat mini program's appid."""
    rng = context.rng("wechatpay")
    state = WeChatPayTwinState(
        appid=SANDBOX_APPID,
        merchant_private_key=seeded_rsa_key(context.seed, "wechatpay-merchant", cache=context.key_cache),
        platform_private_key=seeded_rsa_key(context.seed, "wechatpay-platform", cache=context.key_cache),
        apiv3_key="".join(rng.choice(_ALPHABET) for _ in range(32)).encode(),
    )
    twin, router = new_twin("wechatpay", context, state, signed=False)
    clock = context.clock
    platform = Platform(state=state, clock=clock, rng=rng, ids=context.minted("wechatpay:ids"))
    fail = platform.fail

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

    def place(request: Request, kind: type[JsapiOrderBody | AppOrderBody], appid: str) -> Response:
        try:
            body = msgspec.json.decode(request.body, type=kind)
        except msgspec.DecodeError as exc:
            return fail(400, "PARAM_ERROR", str(exc))
        if body.mchid != state.mchid or body.appid != appid:
            return fail(400, "APPID_MCHID_NOT_MATCH", "appid和mch_id不匹配")
        if body.amount.total <= 0 or body.amount.currency != "CNY":
            return fail(400, "PARAM_ERROR", "amount.total 必须为正整数（分）")
        existing = state.orders.get(body.out_trade_no)
        if existing is not None:
            if existing.trade_state == "CLOSED":
                return fail(400, "ORDERCLOSED", "订单已关闭")
            if existing.trade_state != "NOTPAY":
                return fail(400, "ORDERPAID", "该订单已支付")
            if existing.body != body:
                return fail(400, "INVALID_REQUEST", "201 商户订单号重复")
            return platform.signed({"prepay_id": existing.prepay_id})
        prepay_id = platform.prepay_id()
        payer = body.payer.openid if isinstance(body, JsapiOrderBody) else None
        state.orders[body.out_trade_no] = _Order(body=body, prepay_id=prepay_id, payer_openid=payer)
        return platform.signed({"prepay_id": prepay_id})

    @router.route("POST", "/v3/pay/transactions/jsapi")
    async def jsapi(request: Request) -> Response:
        return place(request, JsapiOrderBody, state.appid)

    @router.route("POST", "/v3/pay/transactions/app")
    async def app(request: Request) -> Response:
        return place(request, AppOrderBody, state.app_appid)

    @router.route("GET", "/v3/pay/transactions/out-trade-no/{out_trade_no}")
    async def query(request: Request) -> Response:
        order = state.orders.get(request.path_params["out_trade_no"])
        if order is None or request.query.get("mchid") != state.mchid:
            return fail(404, "ORDER_NOT_EXIST", "订单不存在")
        return platform.signed(platform.transaction(order))

    @router.route("GET", "/v3/pay/transactions/id/{transaction_id}")
    async def query_by_id(request: Request) -> Response:
        wanted = request.path_params["transaction_id"]
        order = next((o for o in state.orders.values() if o.transaction_id == wanted), None)
        if order is None or request.query.get("mchid") != state.mchid:
            return fail(404, "ORDER_NOT_EXIST", "订单不存在")
        return platform.signed(platform.transaction(order))

    @router.route("POST", "/v3/pay/transactions/out-trade-no/{out_trade_no}/close")
    async def close(request: Request) -> Response:
        try:
            mchid = msgspec.json.decode(request.body, type=_CloseBody).mchid
        except msgspec.DecodeError as exc:
            return fail(400, "PARAM_ERROR", str(exc))
        if mchid != state.mchid:
            return fail(400, "MCH_NOT_EXISTS", "商户号不存在")
        order = state.orders.get(request.path_params["out_trade_no"])
        if order is None:
            return fail(404, "ORDER_NOT_EXIST", "订单不存在")
        if order.trade_state in ("SUCCESS", "REFUND"):
            return fail(400, "ORDERPAID", "订单已支付")
        order.trade_state = "CLOSED"  # closing a closed order answers 204 again
        return platform.no_content()

    add_refund_routes(router, platform)
    add_bill_routes(router, platform)

    async def pay(request: Request) -> Response:
        order = state.orders.get(request.path_params["out_trade_no"])
        if order is None:
            return json_response({"code": "ORDER_NOT_EXIST", "message": ""}, status=404)
        if order.trade_state == "CLOSED":
            return json_response({"code": "ORDERCLOSED", "message": "订单已关闭"}, status=409)
        if order.trade_state == "NOTPAY":
            if order.payer_openid is None:  # an app's user: their openid under the app's AppID
                order.payer_openid = f"oApp{rng.getrandbits(96):024x}"
            order.trade_state = "SUCCESS"
            order.transaction_id = platform.transaction_id()
            order.success_time = platform.now_rfc3339()
            await platform.emit(
                order.body.notify_url, "TRANSACTION.SUCCESS", "支付成功", "transaction",
                platform.transaction(order),
            )  # fmt: skip
        return json_response(platform.transaction(order))

    async def notifications(_: Request) -> Response:
        return json_response(state.notifications)

    async def sandbox_keys(_: Request) -> Response:
        return json_response(state.public())

    router.add("POST", "/sandbox/orders/{out_trade_no}/pay", pay, control=True)
    router.add("GET", "/sandbox/notifications", notifications, control=True)
    router.add("GET", "/sandbox-keys", sandbox_keys, control=True)
    return twin


class _CloseBody(msgspec.Struct, frozen=True):
    mchid: str
