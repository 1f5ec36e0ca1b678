"""The WeChat Pay twin's refunds: ``POST /v3/refund/domestic/refunds`` and the refund query
``GET /v3/refund/domestic/refunds/{out_refund_no}``.

A refund is answered ``PROCESSING``, then succeeds at once: the ``REFUND.SUCCESS``
notification is emitted and the query reports ``SUCCESS`` with its ``success_time``. The
refund object has the platform's fields (``channel``, ``user_received_account``,
``funds_account``, the full ``amount``), and the order is found by ``out_trade_no`` or
``transaction_id``, as on the real API.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec

from integrations._asgi import Request, Response, Router

if TYPE_CHECKING:
    from integrations.payments.wechatpay._twin import Platform


class _RefundAmount(msgspec.Struct, frozen=True):
    refund: int
    total: int
    currency: str = "CNY"


class _RefundBody(msgspec.Struct, frozen=True, omit_defaults=True):
    out_refund_no: str
    amount: _RefundAmount
    out_trade_no: str | None = None
    transaction_id: str | None = None
    reason: str | None = None
    notify_url: str | None = None
    funds_account: str | None = None


def add_refund_routes(router: Router, platform: Platform) -> None:
    """Add the refund and refund-query routes to the WeChat Pay twin's ``router``."""
    state = platform.state
    fail = platform.fail

    def find_order(body: _RefundBody) -> Any:
        if body.out_trade_no is not None:
            return state.orders.get(body.out_trade_no)
        return next(
            (o for o in state.orders.values() if o.transaction_id == body.transaction_id),
            None,
        )

    @router.route("POST", "/v3/refund/domestic/refunds")
    async def refund(request: Request) -> Response:
        try:
            body = msgspec.json.decode(request.body, type=_RefundBody)
        except msgspec.DecodeError as exc:
            return fail(400, "PARAM_ERROR", str(exc))
        if body.out_trade_no is None and body.transaction_id is None:
            return fail(400, "PARAM_ERROR", "out_trade_no 与 transaction_id 必填其一")
        request_fields = msgspec.to_builtins(body)
        previous = state.refunds.get(body.out_refund_no)
        if previous is not None:
            if previous["request"] != request_fields:
                return fail(400, "INVALID_REQUEST", "退款单号重复")
            return platform.signed(previous["refund"])
        order = find_order(body)
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
            "total": total,
            "refund": body.amount.refund,
            "from": [],
            "payer_total": total,
            "payer_refund": body.amount.refund,
            "settlement_refund": body.amount.refund,
            "settlement_total": total,
            "discount_refund": 0,
            "currency": "CNY",
            "refund_fee": 0,
        }
        record: dict[str, Any] = {
            "refund_id": platform.refund_id(),
            "out_refund_no": body.out_refund_no,
            "transaction_id": order.transaction_id,
            "out_trade_no": order.body.out_trade_no,
            "channel": "ORIGINAL",
            "user_received_account": "支付用户零钱",
            "create_time": platform.now_rfc3339(),
            "status": "PROCESSING",
            "funds_account": body.funds_account or "AVAILABLE",
            "amount": amount,
            "promotion_detail": [],
        }
        answer = dict(record)
        # The twin's refunds succeed at once: the query reports SUCCESS from here on.
        record.update(status="SUCCESS", success_time=platform.now_rfc3339())
        state.refunds[body.out_refund_no] = {"request": request_fields, "refund": record}
        notice = {
            "mchid": state.mchid,
            "out_trade_no": order.body.out_trade_no,
            "transaction_id": order.transaction_id,
            "out_refund_no": body.out_refund_no,
            "refund_id": record["refund_id"],
            "refund_status": "SUCCESS",
            "success_time": record["success_time"],
            "user_received_account": record["user_received_account"],
            "amount": {k: amount[k] for k in ("total", "refund", "payer_total", "payer_refund")},
        }
        url = body.notify_url or order.body.notify_url
        await platform.emit(url, "REFUND.SUCCESS", "退款成功", "refund", notice)
        return platform.signed(answer)

    @router.route("GET", "/v3/refund/domestic/refunds/{out_refund_no}")
    async def query_refund(request: Request) -> Response:
        found = state.refunds.get(request.path_params["out_refund_no"])
        if found is None:
            return fail(404, "RESOURCE_NOT_EXISTS", "退款单不存在")
        return platform.signed(found["refund"])
