"""The WeChat Pay adapter's close-order and refund-query calls against the twin, the platform's
formats (whole-second times, 29-digit refund ids), and the twin behind a mount that strips its
prefix from ``path`` but not from ``raw_path`` (the backend's ``/_sandbox``)."""

from __future__ import annotations

import random
import re
from typing import Any

import httpx
import pytest

from integrations import ManualClock, UpstreamConfig, UpstreamRejected
from integrations._asgi import Receive, Scope, Send
from integrations.payments.wechatpay import (
    RefundNotice,
    Transaction,
    WeChatPay,
    WeChatPayTwinState,
    create_wechatpay_twin,
    load_merchant_key,
    load_platform_key,
)
from integrations.sandbox import Sandbox, create_sandbox

from .test_payments_wechatpay_contract import make_rig, place

# ``2018-06-08T10:34:56+08:00``: the v3 API's times carry no fractional seconds.
V3_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$")


async def test_closed_order_is_reported_closed_and_cannot_be_paid_or_placed_again(
    serve_loopback: Any,
) -> None:
    async with make_rig(serve_loopback) as rig:
        await place(rig, "CL0001")
        await rig.client.close_order("CL0001")
        await rig.client.close_order("CL0001")  # closing a closed order is accepted again
        closed = await rig.client.query_order("CL0001")
        async with httpx.AsyncClient() as http:
            paid = await http.post(f"{rig.base_url}/wechatpay/sandbox/orders/CL0001/pay")
        with pytest.raises(UpstreamRejected) as again:
            await place(rig, "CL0001")
    assert (closed.trade_state, closed.trade_state_desc) == ("CLOSED", "订单已关闭")
    assert paid.status_code == 409
    assert again.value.code == "ORDERCLOSED"


async def test_paid_order_cannot_be_closed(serve_loopback: Any) -> None:
    async with make_rig(serve_loopback) as rig:
        await place(rig, "CL0002")
        await rig.pay("CL0002")
        with pytest.raises(UpstreamRejected) as caught:
            await rig.client.close_order("CL0002")
    assert (caught.value.code, caught.value.status_code) == ("ORDERPAID", 400)


async def test_closing_an_unknown_order_is_refused(serve_loopback: Any) -> None:
    async with make_rig(serve_loopback) as rig:
        with pytest.raises(UpstreamRejected) as caught:
            await rig.client.close_order("nope")
    assert caught.value.code == "ORDER_NOT_EXIST"


async def test_refund_query_reports_success_after_the_refund_notification(serve_loopback: Any) -> None:
    async with make_rig(serve_loopback) as rig:
        await place(rig, "RQ0001", 3000)
        await rig.pay("RQ0001")
        refund = await rig.client.refund(
            out_trade_no="RQ0001", out_refund_no="RQR0001", refund_fen=1000, total_fen=3000
        )
        notice = rig.receive(rig.state.notifications[-1]).resource
        queried = await rig.client.query_refund("RQR0001")
        order = await rig.client.query_order("RQ0001")
    assert refund.status == "PROCESSING"
    assert isinstance(notice, RefundNotice)
    assert (queried.status, queried.refund_id, queried.amount.refund) == ("SUCCESS", refund.refund_id, 1000)
    assert queried.success_time == notice.success_time
    assert (queried.channel, queried.funds_account) == ("ORIGINAL", "AVAILABLE")
    assert order.trade_state == "REFUND"


async def test_refund_query_of_an_unknown_refund_is_refused(serve_loopback: Any) -> None:
    async with make_rig(serve_loopback) as rig:
        with pytest.raises(UpstreamRejected) as caught:
            await rig.client.query_refund("nope")
    assert (caught.value.code, caught.value.status_code) == ("RESOURCE_NOT_EXISTS", 404)


async def test_ids_and_times_have_the_platforms_formats(serve_loopback: Any) -> None:
    async with make_rig(serve_loopback) as rig:
        args = await place(rig, "FM0001", 500)
        paid = rig.receive(await rig.pay("FM0001"))
        refund = await rig.client.refund(
            out_trade_no="FM0001", out_refund_no="FMR0001", refund_fen=500, total_fen=500
        )
        refunded = rig.receive(rig.state.notifications[-1])
    assert isinstance(paid.resource, Transaction)
    assert isinstance(refunded.resource, RefundNotice)
    assert re.fullmatch(r"prepay_id=wx\d{14}[0-9a-f]{20}", args.package)
    assert re.fullmatch(r"4200\d{24}", paid.resource.transaction_id or "")
    assert re.fullmatch(r"5\d{28}", refund.refund_id)
    times = [paid.create_time, paid.resource.success_time, refund.create_time, refunded.create_time]
    times.append(refunded.resource.success_time)
    assert all(V3_TIME.fullmatch(t or "") for t in times), times


def _stripping_mount(sandbox: Sandbox, prefix: str) -> Any:
    """What Litestar's ``asgi(..., is_mount=True)`` hands the sandbox: ``path`` without the mount's
    prefix, ``raw_path`` as received, ``root_path`` untouched."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope = {**scope, "path": scope["path"].removeprefix(prefix)}
        await sandbox(scope, receive, send)

    return app


async def test_requests_signed_for_the_twins_base_url_verify_behind_a_stripping_mount() -> None:
    clock = ManualClock()
    sandbox = create_sandbox(clock=clock, systems={"wechatpay": create_wechatpay_twin})
    state = sandbox.twins["wechatpay"].state
    assert isinstance(state, WeChatPayTwinState)
    keys = state.public()
    transport = httpx.ASGITransport(app=_stripping_mount(sandbox, "/_sandbox"))
    pay = WeChatPay(
        UpstreamConfig(base_url="http://testserver/_sandbox/wechatpay"),
        appid=keys["appid"],
        mchid=keys["mchid"],
        merchant_serial=keys["merchant_serial"],
        merchant_private_key=load_merchant_key(keys["merchant_private_key"]),
        platform_keys={keys["platform_serial"]: load_platform_key(keys["platform_public_key"])},
        apiv3_key=keys["apiv3_key"].encode(),
        transport=transport,
        clock=clock,
        rng=random.Random(3),
        audit=lambda _: None,
    )
    async with pay:
        await pay.create_jsapi_order(
            out_trade_no="MNT_0001-*",  # the adapter sends "*" percent-encoded in the path
            description="停车费",
            amount_fen=200,
            openid="oSandbox00000000000000000001",
            notify_url="http://127.0.0.1/notify",
        )
        await pay.close_order("MNT_0001-*")
        closed = await pay.query_order("MNT_0001-*")
    assert closed.trade_state == "CLOSED"
