"""Sandbox twin of Alipay trades (registered as ``alipay_pay`` in the sandbox).

The same gateway protocol and keys as the ``alipay`` login twin (one real gateway), with
``alipay.trade.create``/``query``/``close``/``refund`` and ``alipay.trade.fastpay.refund.query``.
A trade refunded in full becomes ``TRADE_CLOSED``, as on the real platform. The sandbox mobile app
(``SANDBOX_MOBILE_APP_ID``, the same key pair as the mini program) is registered too. Control routes
(never signed or faulted):

* ``POST /sandbox/app-pay`` — the Alipay app opens its cashier with an ``alipay.trade.app.pay``
  order string (the form body, as the Alipay SDK sends it): checked like a gateway request (app,
  RSA2 signature, timestamp), then the trade is created for a sandbox buyer (``WAIT_BUYER_PAY``,
  or the same trade again; refused once ``time_expire`` has passed or the trade is closed);
* ``POST /sandbox/trades/{out_trade_no}/pay`` — the buyer pays: ``TRADE_SUCCESS`` and a
  signed form-encoded ``trade_status_sync`` notification to the trade's ``notify_url`` (409
  once the trade is closed);
* ``GET /sandbox/notifications`` — every notification emitted (headers + raw body);
* ``GET /sandbox-keys`` — as on the login twin;
* ``GET /downloadBillFile.resource?fileId=...`` — the bill host: the zip that
  ``alipay.data.dataservice.bill.downloadurl.query`` named (a day's payments and refunds, plus
  ``state.bill_overrides[day]`` rows tests add).

Notifications land in ``state.notifications`` and, if set, ``state.notification_sink``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

import msgspec

from integrations._asgi import Request, Response, json_response
from integrations._twin import Twin, TwinContext
from integrations.alipay import (
    SANDBOX_APP_ID,
    gateway_timestamp,
    rsa2_sign,
    sandbox_open_id,
    sign_content,
)
from integrations.alipay._gateway_twin import (
    GatewayCall,
    GatewayError,
    GatewayKeys,
    GatewayState,
    _biz_content,
    _check_request,
    business_failed,
    create_gateway_twin,
    invalid_arguments,
)
from integrations.payments._money import fen_to_yuan, yuan_to_fen
from integrations.payments._notification import NotificationSink, SignedNotification
from integrations.payments.alipay_trade._app import APP_PAY_METHOD, APP_PAY_PRODUCT
from integrations.payments.bills import render_alipay_bill

SANDBOX_SELLER_ID = "2088000000000000"
SANDBOX_MOBILE_APP_ID = "2021000000000002"


@dataclass(slots=True)
class _Trade:
    request: dict[str, Any]
    notify_url: str
    trade_no: str
    total_fen: int
    status: str = "WAIT_BUYER_PAY"
    paid_at: str | None = None
    refunded_fen: int = 0
    refunds: dict[str, tuple[int, str]] = field(default_factory=dict)  # out_request_no → (fen, at)
    app_id: str = SANDBOX_APP_ID


@dataclass(slots=True)
class AlipayPayTwinState:
    """Gateway keys and apps, trades and emitted notifications."""

    gateway: GatewayState
    seller_id: str = SANDBOX_SELLER_ID
    mobile_app_id: str = SANDBOX_MOBILE_APP_ID
    trades: dict[str, _Trade] = field(default_factory=dict)
    notifications: list[SignedNotification] = field(default_factory=list)
    notification_sink: NotificationSink | None = None
    # Bill zips by file id, and rows tests add to a day's bill (``bill_overrides["2025-01-31"]``).
    bills: dict[str, bytes] = field(default_factory=dict)
    bill_overrides: dict[str, list[dict[str, str]]] = field(default_factory=dict)


def create_alipay_pay_twin(context: TwinContext) -> Twin:
    """Build the Alipay trade twin with the sandbox app registered."""
    keys = GatewayKeys.for_seed(context)
    app_key = keys.app_private_key.public_key()
    state = AlipayPayTwinState(
        gateway=GatewayState(keys=keys, apps={SANDBOX_APP_ID: app_key, SANDBOX_MOBILE_APP_ID: app_key})
    )
    rng = context.rng("alipay_pay")
    ids = context.minted("alipay_pay:ids")
    clock = context.clock

    def amount(raw: Any, name: str) -> int:
        try:
            fen = yuan_to_fen(str(raw))
        except ValueError:
            raise invalid_arguments("ACQ.INVALID_PARAMETER", f"{name} 格式错误") from None
        if fen <= 0:
            raise invalid_arguments("ACQ.INVALID_PARAMETER", f"{name} 必须大于0")
        return fen

    def trade_of(call: GatewayCall) -> _Trade:
        trade = state.trades.get(str(call.biz.get("out_trade_no", "")))
        if trade is None:
            raise business_failed("ACQ.TRADE_NOT_EXIST", "交易不存在")
        return trade

    async def create(call: GatewayCall) -> dict[str, Any]:
        biz = dict(call.biz)
        out_trade_no = str(biz.get("out_trade_no", ""))
        if not out_trade_no or not biz.get("subject") or not biz.get("buyer_open_id"):
            raise invalid_arguments("ACQ.INVALID_PARAMETER", "缺少必选参数")
        total_fen = amount(biz.get("total_amount"), "total_amount")
        existing = state.trades.get(out_trade_no)
        if existing is not None:
            if existing.status == "TRADE_CLOSED":
                raise business_failed("ACQ.TRADE_HAS_CLOSE", "交易已经关闭")
            if existing.status != "WAIT_BUYER_PAY":
                raise business_failed("ACQ.TRADE_HAS_SUCCESS", "交易已被支付")
            if existing.request != biz:
                raise business_failed("ACQ.CONTEXT_INCONSISTENT", "交易信息被篡改")
            return {"out_trade_no": out_trade_no, "trade_no": existing.trade_no}
        trade_no = f"2025{ids.getrandbits(80):024d}"[:28]
        state.trades[out_trade_no] = _Trade(
            request=biz,
            notify_url=call.params.get("notify_url", ""),
            trade_no=trade_no,
            total_fen=total_fen,
        )
        return {"out_trade_no": out_trade_no, "trade_no": trade_no}

    async def query(call: GatewayCall) -> dict[str, Any]:
        trade = trade_of(call)
        node: dict[str, Any] = {
            "out_trade_no": call.biz["out_trade_no"],
            "trade_no": trade.trade_no,
            "buyer_open_id": str(trade.request["buyer_open_id"]),
            "trade_status": trade.status,
            "total_amount": fen_to_yuan(trade.total_fen),
        }
        if trade.paid_at is not None:
            paid = fen_to_yuan(trade.total_fen)
            node.update(buyer_pay_amount=paid, receipt_amount=paid, send_pay_date=trade.paid_at)
        return node

    async def close(call: GatewayCall) -> dict[str, Any]:
        trade = trade_of(call)
        if trade.status != "WAIT_BUYER_PAY":  # paid, or closed already
            raise business_failed("ACQ.TRADE_STATUS_ERROR", "交易状态不合法")
        trade.status = "TRADE_CLOSED"
        return {"out_trade_no": call.biz["out_trade_no"], "trade_no": trade.trade_no}

    async def refund_query(call: GatewayCall) -> dict[str, Any]:
        trade = trade_of(call)
        request_no = str(call.biz.get("out_request_no") or call.biz["out_trade_no"])
        node: dict[str, Any] = {
            "out_trade_no": call.biz["out_trade_no"],
            "trade_no": trade.trade_no,
            "out_request_no": request_no,
        }
        found = trade.refunds.get(request_no)
        if found is not None:  # an unknown request number answers 10000 without the refund
            node.update(
                total_amount=fen_to_yuan(trade.total_fen),
                refund_amount=fen_to_yuan(found[0]),
                refund_status="REFUND_SUCCESS",
                gmt_refund_pay=found[1],
            )
        return node

    async def refund(call: GatewayCall) -> dict[str, Any]:
        trade = trade_of(call)
        request_no = str(call.biz.get("out_request_no") or call.biz["out_trade_no"])
        refund_fen = amount(call.biz.get("refund_amount"), "refund_amount")
        previous = trade.refunds.get(request_no)
        if previous is None:
            if trade.status != "TRADE_SUCCESS":
                raise business_failed("ACQ.TRADE_STATUS_ERROR", "交易状态不合法")
            if refund_fen > trade.total_fen - trade.refunded_fen:
                raise business_failed("ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "退款金额超限")
            trade.refunds[request_no] = (refund_fen, gateway_timestamp(clock.now()))
            trade.refunded_fen += refund_fen
            if trade.refunded_fen == trade.total_fen:
                trade.status = "TRADE_CLOSED"  # refunded in full: Alipay closes the trade
        elif previous[0] != refund_fen:
            raise business_failed("ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "退款请求号重复")
        return {
            "out_trade_no": call.biz["out_trade_no"],
            "trade_no": trade.trade_no,
            "buyer_open_id": str(trade.request["buyer_open_id"]),
            "refund_fee": fen_to_yuan(trade.refunded_fen),
            "gmt_refund_pay": trade.refunds[request_no][1],
            "fund_change": "Y" if previous is None else "N",
        }

    def bill_rows(day: str) -> list[dict[str, str]]:
        rows: list[dict[str, str]] = []
        for out_trade_no, trade in state.trades.items():
            base = {
                "支付宝交易号": trade.trade_no,
                "商户订单号": out_trade_no,
                "商品名称": str(trade.request["subject"]),
                "对方账户": str(trade.request["buyer_open_id"]),
                "服务费（元）": "0.00",
                "分润（元）": "0.00",
            }
            if trade.paid_at is not None and trade.paid_at.startswith(day):
                paid = fen_to_yuan(trade.total_fen)
                rows.append(
                    {
                        **base,
                        "业务类型": "交易",
                        "创建时间": trade.paid_at,
                        "完成时间": trade.paid_at,
                        "订单金额（元）": paid,
                        "商家实收（元）": paid,
                    }
                )
            for request_no, (fen, at) in trade.refunds.items():
                if at.startswith(day):
                    back = "-" + fen_to_yuan(fen)
                    rows.append(
                        {
                            **base,
                            "业务类型": "退款",
                            "创建时间": at,
                            "完成时间": at,
                            "订单金额（元）": back,
                            "商家实收（元）": back,
                            "退款批次号/请求号": request_no,
                        }
                    )
        return rows + state.bill_overrides.get(day, [])

    async def bill_url(call: GatewayCall) -> dict[str, Any]:
        day = str(call.biz.get("bill_date", ""))
        if call.biz.get("bill_type") not in ("trade", "signcustomer") or len(day) != 10:
            raise invalid_arguments("isv.invalid-arguments", "bill_type 或 bill_date 不合法")
        if day >= gateway_timestamp(clock.now())[:10]:
            raise business_failed("isp.bill_not_exist", "账单不存在")
        rows = bill_rows(day)
        if not rows:
            raise business_failed("isp.bill_not_exist", "账单不存在")
        compact = day.replace("-", "")
        file_id = f"{rng.getrandbits(64):016x}"
        state.bills[file_id] = render_alipay_bill(state.seller_id, compact, rows)
        url = (
            "https://dwbillcenter.alipay.com/downloadBillFile.resource?bizType=trade"
            f"&userId={state.seller_id}&fileType=csv.zip&bizDates={compact}"
            f"&downloadFileName={state.seller_id}_{compact}.csv.zip&fileId={file_id}"
        )
        return {"bill_download_url": url}

    twin = create_gateway_twin(
        "alipay_pay",
        context,
        state,
        {
            "alipay.trade.create": create,
            "alipay.trade.query": query,
            "alipay.trade.close": close,
            "alipay.trade.refund": refund,
            "alipay.trade.fastpay.refund.query": refund_query,
            "alipay.data.dataservice.bill.downloadurl.query": bill_url,
        },
    )

    async def pay(request: Request) -> Response:
        out_trade_no = request.path_params["out_trade_no"]
        trade = state.trades.get(out_trade_no)
        if trade is None:
            return json_response({"code": "ACQ.TRADE_NOT_EXIST", "message": ""}, status=404)
        if trade.status == "TRADE_CLOSED" and trade.paid_at is None:
            return json_response({"code": "ACQ.TRADE_HAS_CLOSE", "message": "交易已经关闭"}, status=409)
        if trade.status == "WAIT_BUYER_PAY":
            trade.status = "TRADE_SUCCESS"
            now = gateway_timestamp(clock.now())
            trade.paid_at = now
            total = fen_to_yuan(trade.total_fen)
            params = {
                "notify_time": now,
                "notify_type": "trade_status_sync",
                "notify_id": f"sandbox-notify-{len(state.notifications) + 1}",
                "app_id": trade.app_id,
                "charset": "utf-8",
                "version": "1.0",
                "sign_type": "RSA2",
                "trade_no": trade.trade_no,
                "out_trade_no": out_trade_no,
                "buyer_open_id": str(trade.request["buyer_open_id"]),
                "seller_id": state.seller_id,
                "trade_status": "TRADE_SUCCESS",
                "total_amount": total,
                "receipt_amount": total,
                "buyer_pay_amount": total,
                "subject": str(trade.request["subject"]),
                "gmt_create": now,
                "gmt_payment": now,
            }
            content = sign_content(params, exclude=frozenset({"sign", "sign_type"}))
            params["sign"] = rsa2_sign(content, keys.alipay_private_key)
            notification = SignedNotification(
                url=trade.notify_url,
                headers={"content-type": "application/x-www-form-urlencoded; charset=utf-8"},
                body=urlencode(params),
            )
            state.notifications.append(notification)
            if state.notification_sink is not None:
                await state.notification_sink(notification)
        return json_response({"out_trade_no": out_trade_no, "trade_status": trade.status})

    async def app_pay(request: Request) -> Response:
        params = dict(parse_qsl(request.body.decode("utf-8", errors="replace"), keep_blank_values=True))
        try:
            _check_request(params, state.gateway, clock.now())
            biz = _biz_content(params)
            if params.get("method") != APP_PAY_METHOD or biz.get("product_code") != APP_PAY_PRODUCT:
                raise invalid_arguments("ACQ.INVALID_PARAMETER", "method 或 product_code 不合法")
            out_trade_no = str(biz.get("out_trade_no", ""))
            if not out_trade_no or not biz.get("subject"):
                raise invalid_arguments("ACQ.INVALID_PARAMETER", "缺少必选参数")
            total_fen = amount(biz.get("total_amount"), "total_amount")
            expire = str(biz.get("time_expire", ""))
            existing = state.trades.get(out_trade_no)
            if (expire and expire < gateway_timestamp(clock.now())) or (
                existing is not None and existing.status == "TRADE_CLOSED"
            ):
                raise business_failed("ACQ.TRADE_HAS_CLOSE", "交易已经关闭")
            if existing is not None:
                if {k: v for k, v in existing.request.items() if k != "buyer_open_id"} != biz:
                    raise business_failed("ACQ.CONTEXT_INCONSISTENT", "交易信息被篡改")
            else:
                existing = state.trades[out_trade_no] = _Trade(
                    request={**biz, "buyer_open_id": sandbox_open_id(1)},
                    notify_url=params.get("notify_url", ""),
                    trade_no=f"2025{ids.getrandbits(80):024d}"[:28],
                    total_fen=total_fen,
                    app_id=params["app_id"],
                )
        except GatewayError as exc:
            return json_response(exc.node, status=400)
        node = {"out_trade_no": out_trade_no, "trade_no": existing.trade_no, "trade_status": existing.status}
        return json_response(node)

    async def notifications(_: Request) -> Response:
        return Response(200, msgspec.json.encode(state.notifications), {"content-type": "application/json"})

    async def download(request: Request) -> Response:
        # The bill host serves by file id, unsigned (the URL is the credential, valid 30 s there).
        content = state.bills.get(request.query.get("fileId", ""))
        if content is None:
            return Response(404, b"file not found", {"content-type": "text/plain"})
        return Response(200, content, {"content-type": "application/oct-stream"})

    twin.app.add("GET", "/downloadBillFile.resource", download, control=True)
    twin.app.add("POST", "/sandbox/trades/{out_trade_no}/pay", pay, control=True)
    twin.app.add("POST", "/sandbox/app-pay", app_pay, control=True)
    twin.app.add("GET", "/sandbox/notifications", notifications, control=True)
    return twin
