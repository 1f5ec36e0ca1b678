"""The WeChat Pay twin's bills: ``GET /v3/bill/tradebill`` names a download URL and the file's
SHA-1; ``GET /v3/billdownload/file?token=...`` (merchant-signed, like every API call) serves the
CSV, unsigned by the platform as on the real API. A day's bill holds the payments whose
``success_time`` and the refunds whose ``success_time`` fall on it (Beijing time); a day with
neither answers ``NO_STATEMENT_EXIST``, as does today (bills are ready the next morning).

Tests change a bill by changing ``state.orders`` (an amount, an order only the twin has), or by
``state.bill_overrides[date] = [row dicts]``, rows appended to that day's bill.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import date
from typing import TYPE_CHECKING, Any

from integrations._asgi import Request, Response, Router
from integrations.payments._money import fen_to_yuan
from integrations.payments.bills import render_wechat_tradebill

if TYPE_CHECKING:
    from integrations.payments.wechatpay._twin import Platform


def _row(platform: Platform, order: Any, **extra: str) -> dict[str, str]:
    body = order.body
    return {
        "交易时间": (order.success_time or "").replace("T", " ")[:19],
        "公众账号ID": body.appid,
        "商户号": body.mchid,
        "特约商户号": "0",
        "微信订单号": order.transaction_id or "",
        "商户订单号": body.out_trade_no,
        "用户标识": order.payer_openid or "",
        "交易类型": order.trade_type,
        "交易状态": "SUCCESS",
        "付款银行": "OTHERS",
        "货币种类": "CNY",
        "应结订单金额": fen_to_yuan(body.amount.total),
        "代金券金额": "0.00",
        "退款金额": "0.00",
        "充值券退款金额": "0.00",
        "商品名称": body.description,
        "商户数据包": body.attach or "",
        "手续费": "0.00000",
        "费率": "0.60%",
        "订单金额": fen_to_yuan(body.amount.total),
        "申请退款金额": "0.00",
        **extra,
    }


def bill_rows(platform: Platform, day: date) -> list[dict[str, str]]:
    state = platform.state
    wanted = day.isoformat()
    rows = [
        _row(platform, order)
        for order in state.orders.values()
        if order.success_time is not None and order.success_time.startswith(wanted)
    ]
    for found in state.refunds.values():
        refund = found["refund"]
        order = state.orders.get(refund["out_trade_no"])
        if order is None or not str(refund.get("success_time", "")).startswith(wanted):
            continue
        amount = fen_to_yuan(refund["amount"]["refund"])
        rows.append(
            _row(
                platform,
                order,
                **{
                    "交易时间": refund["success_time"].replace("T", " ")[:19],
                    "交易状态": "REFUND",
                    "应结订单金额": "0.00",
                    "微信退款单号": refund["refund_id"],
                    "商户退款单号": refund["out_refund_no"],
                    "退款金额": amount,
                    "退款类型": "ORIGINAL",
                    "退款状态": "SUCCESS",
                    "申请退款金额": amount,
                },
            )
        )
    rows.extend(state.bill_overrides.get(wanted, []))
    return rows


def add_bill_routes(router: Router, platform: Platform) -> None:
    """Add the trade bill and bill download routes to the WeChat Pay twin's ``router``."""
    state = platform.state
    fail = platform.fail

    @router.route("GET", "/v3/bill/tradebill")
    async def tradebill(request: Request) -> Response:
        try:
            day = date.fromisoformat(request.query.get("bill_date", ""))
        except ValueError:
            return fail(400, "PARAM_ERROR", "bill_date 格式错误")
        if request.query.get("bill_type", "ALL") not in ("ALL", "SUCCESS", "REFUND"):
            return fail(400, "PARAM_ERROR", "bill_type 错误")
        if day >= platform.beijing().date():
            return fail(400, "NO_STATEMENT_EXIST", "账单尚未生成")
        rows = bill_rows(platform, day)
        if not rows:
            return fail(400, "NO_STATEMENT_EXIST", "No statement exist")
        content = render_wechat_tradebill(rows).encode()
        token = secrets.token_urlsafe(24)
        state.bills[token] = content
        return platform.signed(
            {
                "hash_type": "SHA1",
                "hash_value": hashlib.sha1(content).hexdigest(),  # noqa: S324 (the platform's choice)
                "download_url": f"https://api.mch.weixin.qq.com/v3/billdownload/file?token={token}",
            }
        )

    @router.route("GET", "/v3/billdownload/file")
    async def download(request: Request) -> Response:
        content = state.bills.get(request.query.get("token", ""))
        if content is None:
            return fail(400, "PARAM_ERROR", "token 无效")
        return Response(200, content, {"content-type": "application/octet-stream"})
