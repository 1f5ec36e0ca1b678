"""The embedded default: login and pay through the registry sandbox in-process, no socket."""

from __future__ import annotations

import random

import httpx

from integrations import ManualClock, UpstreamConfig
from integrations.payments.wechatpay import (
    Transaction,
    WeChatPay,
    WeChatPayTwinState,
    load_merchant_key,
    load_platform_key,
)
from integrations.sandbox import create_sandbox
from integrations.sandbox.inprocess import SANDBOX_BASE_URL, in_process_transport
from integrations.wechat import SANDBOX_APPID, SANDBOX_SECRET, WeChatMiniProgram, sandbox_openid


async def test_wechat_login_then_payment_in_process_through_the_registry_sandbox() -> None:
    clock = ManualClock()
    sandbox = create_sandbox(clock=clock)
    transport = in_process_transport(sandbox)
    state = sandbox.state("wechatpay")
    assert isinstance(state, WeChatPayTwinState)
    keys = state.public()
    wx = WeChatMiniProgram(
        UpstreamConfig(base_url=f"{SANDBOX_BASE_URL}/wechat"),
        appid=SANDBOX_APPID,
        secret=SANDBOX_SECRET,
        transport=transport,
        clock=clock,
        audit=lambda _: None,
    )
    pay = WeChatPay(
        UpstreamConfig(base_url=f"{SANDBOX_BASE_URL}/wechatpay"),
        appid=keys["appid"],
        mchid=keys["mchid"],
        merchant_serial=keys["merchant_serial"],
        merchant_private_key=load_merchant_key(keys["merchant_private_key"]),
        platform_keys={keys["platform_serial"]: load_platform_key(keys["platform_public_key"])},
        apiv3_key=keys["apiv3_key"].encode(),
        transport=transport,
        clock=clock,
        rng=random.Random(2),
        audit=lambda _: None,
    )
    async with wx, pay:
        session = await wx.code2session("test-code-77")
        await pay.create_jsapi_order(
            out_trade_no="EMB0001",
            description="停车费",
            amount_fen=500,
            openid=session.openid,
            notify_url="http://127.0.0.1:8000/mp/v1/payments/wechat/notify",
        )
        async with httpx.AsyncClient(transport=transport) as http:  # wx.requestPayment
            paid = await http.post(f"{SANDBOX_BASE_URL}/wechatpay/sandbox/orders/EMB0001/pay")
        assert paid.status_code == 200
        notice = state.notifications[-1]
        parsed = pay.parse_notification(notice.headers, notice.body.encode())
    assert isinstance(parsed.resource, Transaction)
    assert parsed.resource.payer is not None
    assert parsed.resource.payer.openid == sandbox_openid(77)
    assert parsed.resource.amount is not None
    assert parsed.resource.amount.total == 500
