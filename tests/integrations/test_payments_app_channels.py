"""Contract tests of the app channels against their twins over real loopback HTTP: WeChat Pay's APP
order (``POST /v3/pay/transactions/app``, the ``PayReq`` fields the mobile app gets) and Alipay's
``alipay.trade.app.pay`` order string (no gateway call; the Alipay app submits it)."""

from __future__ import annotations

import contextlib
import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

import httpx
import msgspec
import pytest

from integrations import ManualClock, RetryPolicy, UpstreamConfig, UpstreamRejected
from integrations.alipay import load_private_key, load_public_key, rsa2_verify, sign_content
from integrations.payments import MerchantMismatch
from integrations.payments.alipay_trade import (
    APP_PAY_METHOD,
    SANDBOX_MOBILE_APP_ID,
    SANDBOX_SELLER_ID,
    AlipayPayments,
    AlipayPayTwinState,
    create_alipay_pay_twin,
)
from integrations.payments.wechatpay import SANDBOX_APP_APPID, Transaction, WeChatPay, rsa_verify
from integrations.sandbox import create_sandbox
from tests.integrations.test_payments_wechatpay_contract import NOTIFY_URL, Rig, make_rig

ALIPAY_NOTIFY_URL = "https://suqian.example/api/v1/payments/notify/alipay"


async def place_app(rig: Rig, out_trade_no: str, amount_fen: int = 4250) -> Any:
    return await rig.client.create_app_order(
        out_trade_no=out_trade_no, description="宿迁水费", amount_fen=amount_fen, notify_url=NOTIFY_URL
    )


async def test_wechat_app_order_returns_the_signed_pay_req_fields(serve_loopback: Any) -> None:
    async with make_rig(serve_loopback, app_appid=SANDBOX_APP_APPID) as rig:
        pay_req = await place_app(rig, "APP0001")
        again = await place_app(rig, "APP0001")
        order = rig.state.orders["APP0001"]
        merchant_public = rig.state.merchant_private_key.public_key()
    assert msgspec.to_builtins(pay_req).keys() == {
        "appid", "partnerid", "prepayid", "package", "noncestr", "timestamp", "sign",
    }  # fmt: skip
    assert (pay_req.appid, pay_req.partnerid, pay_req.package) == (
        SANDBOX_APP_APPID,
        rig.client.mchid,
        "Sign=WXPay",
    )
    assert pay_req.prepayid == order.prepay_id == again.prepayid
    assert order.trade_type == "APP"
    assert order.payer_openid is None  # nobody is named: whoever pays in WeChat
    # APP调起支付: appid, timestamp, noncestr and the bare prepayid, each line ending in \n.
    rsa_verify(
        merchant_public, pay_req.sign, pay_req.appid, pay_req.timestamp, pay_req.noncestr, pay_req.prepayid
    )


async def test_wechat_app_payment_is_notified_under_the_apps_appid(serve_loopback: Any) -> None:
    async with make_rig(serve_loopback, app_appid=SANDBOX_APP_APPID) as rig:
        await place_app(rig, "APP0002", 1999)
        notification = rig.receive(await rig.pay("APP0002"))
        queried = await rig.client.query_order("APP0002")
    paid = notification.resource
    assert isinstance(paid, Transaction)
    assert (paid.appid, paid.trade_type, paid.trade_state) == (SANDBOX_APP_APPID, "APP", "SUCCESS")
    assert paid.payer is not None  # the app's user, known once they paid
    assert paid.amount is not None
    assert paid.amount.total == 1999
    assert (queried.trade_type, queried.transaction_id) == ("APP", paid.transaction_id)


async def test_wechat_app_order_under_the_mini_programs_appid_is_refused(serve_loopback: Any) -> None:
    async with make_rig(serve_loopback) as rig:
        rig.client.app_appid = rig.client.appid  # the mini program's appid on the APP route
        with pytest.raises(UpstreamRejected) as caught:
            await place_app(rig, "APP0003")
    assert caught.value.code == "APPID_MCHID_NOT_MATCH"


async def test_wechat_app_notification_refused_by_a_merchant_without_that_app(serve_loopback: Any) -> None:
    async with make_rig(serve_loopback, app_appid=SANDBOX_APP_APPID) as rig:
        await place_app(rig, "APP0004")
        emitted = await rig.pay("APP0004")
        rig.client.app_appid = None
        with pytest.raises(MerchantMismatch) as caught:
            rig.receive(emitted)
    assert caught.value.field == "appid"


def test_wechat_app_arguments_need_the_app_appid() -> None:
    client = WeChatPay.__new__(WeChatPay)
    client.app_appid = None
    with pytest.raises(ValueError, match="app_appid"):
        client.app_payment_arguments("wx201410272009395522657a690389285100")


class AlipayRig:
    def __init__(self, client: AlipayPayments, base_url: str, state: AlipayPayTwinState, clock: ManualClock):
        self.client, self.base_url, self.state, self.clock = client, base_url, state, clock

    def order_string(self, out_trade_no: str, amount_fen: int = 4250, **extra: Any) -> str:
        return self.client.app_order_string(
            out_trade_no=out_trade_no, subject="宿迁水费", amount_fen=amount_fen,
            notify_url=ALIPAY_NOTIFY_URL, **extra,
        )  # fmt: skip

    async def open_cashier(self, order_string: str) -> httpx.Response:
        """What the Alipay app does with the string the Alipay SDK was handed."""
        async with httpx.AsyncClient() as http:
            return await http.post(
                f"{self.base_url}/alipay_pay/sandbox/app-pay",
                content=order_string,
                headers={"content-type": "application/x-www-form-urlencoded;charset=utf-8"},
            )

    async def pay(self, out_trade_no: str) -> dict[str, str]:
        async with httpx.AsyncClient() as http:
            answer = await http.post(f"{self.base_url}/alipay_pay/sandbox/trades/{out_trade_no}/pay")
        assert answer.status_code == 200
        return dict(parse_qsl(self.state.notifications[-1].body, keep_blank_values=True))


@contextlib.asynccontextmanager
async def alipay_rig(
    serve_loopback: Any, *, mobile_app_id: str | None = SANDBOX_MOBILE_APP_ID
) -> AsyncIterator[AlipayRig]:
    clock = ManualClock(start=datetime(2026, 12, 3, 2, 0, tzinfo=UTC).timestamp())
    sandbox = create_sandbox(clock=clock, systems={"alipay_pay": create_alipay_pay_twin})
    state = sandbox.twins["alipay_pay"].state
    assert isinstance(state, AlipayPayTwinState)
    async with serve_loopback(sandbox) as base_url:
        async with httpx.AsyncClient() as http:
            keys = (await http.get(f"{base_url}/alipay_pay/sandbox-keys")).json()
        config = UpstreamConfig(base_url=f"{base_url}/alipay_pay", retry=RetryPolicy(max_attempts=2))
        async with AlipayPayments(
            config,
            app_id=keys["app_id"],
            app_private_key=load_private_key(keys["app_private_key"]),
            alipay_public_key=load_public_key(keys["alipay_public_key"]),
            seller_id=SANDBOX_SELLER_ID,
            mobile_app_id=mobile_app_id,
            clock=clock,
            rng=random.Random(3),
        ) as client:
            yield AlipayRig(client, base_url, state, clock)


async def test_alipay_app_order_string_is_signed_for_the_mobile_app(serve_loopback: Any) -> None:
    async with alipay_rig(serve_loopback) as rig:
        expires = datetime.fromtimestamp(rig.clock.now(), tz=UTC) + timedelta(minutes=15)
        text = rig.order_string("ALI0001", time_expire=expires)
        app_public = rig.state.gateway.apps[SANDBOX_MOBILE_APP_ID]
        calls = list(rig.state.gateway.calls)
    params = dict(parse_qsl(text, keep_blank_values=True))
    assert text.endswith("&sign=" + text.rsplit("&sign=", 1)[1])  # sign last, the rest sorted
    assert list(params)[:-1] == sorted(list(params)[:-1])
    assert (params["app_id"], params["method"], params["sign_type"]) == (
        SANDBOX_MOBILE_APP_ID,
        APP_PAY_METHOD,
        "RSA2",
    )
    assert params["notify_url"] == ALIPAY_NOTIFY_URL
    assert msgspec.json.decode(params["biz_content"]) == {
        "out_trade_no": "ALI0001", "total_amount": "42.50", "subject": "宿迁水费",
        "product_code": "QUICK_MSECURITY_PAY", "time_expire": "2026-12-03 10:15:00",
    }  # fmt: skip
    rsa2_verify(sign_content(params), params["sign"], app_public)
    assert calls == []  # no gateway call: the Alipay app sends it


async def test_alipay_app_trade_opens_is_paid_notified_and_queried(serve_loopback: Any) -> None:
    async with alipay_rig(serve_loopback) as rig:
        text = rig.order_string("ALI0002", 1999)
        opened = await rig.open_cashier(text)
        reopened = await rig.open_cashier(rig.order_string("ALI0002", 1999))
        form = await rig.pay("ALI0002")
        notification = rig.client.parse_notification(form)
        trade = await rig.client.query_trade("ALI0002")
    assert opened.status_code == reopened.status_code == 200
    assert opened.json()["trade_no"] == reopened.json()["trade_no"]
    assert (notification.app_id, notification.paid, notification.total_fen) == (
        SANDBOX_MOBILE_APP_ID,
        True,
        1999,
    )
    assert (trade.status, trade.trade_no) == ("TRADE_SUCCESS", notification.trade_no)


@pytest.mark.parametrize(
    ("tamper", "code"),
    [
        pytest.param(
            lambda s: s.replace("total_amount%22%3A%2242.50", "total_amount%22%3A%220.01"),
            "isv.invalid-signature",
            id="amount-edited",
        ),
        pytest.param(
            lambda s: s.replace("app_id=2021000000000002", "app_id=2021000000000999"),
            "isv.invalid-app-id",
            id="unknown-app",
        ),
    ],
)
async def test_alipay_tampered_order_string_is_refused_by_the_cashier(
    serve_loopback: Any, tamper: Any, code: str
) -> None:
    async with alipay_rig(serve_loopback) as rig:
        text = rig.order_string("ALI0003")
        answer = await rig.open_cashier(tamper(text))
        assert "ALI0003" not in rig.state.trades
    assert answer.status_code == 400
    assert answer.json()["sub_code"] == code


async def test_alipay_app_trade_is_refused_after_time_expire_and_once_closed(serve_loopback: Any) -> None:
    async with alipay_rig(serve_loopback) as rig:
        expires = datetime.fromtimestamp(rig.clock.now(), tz=UTC) + timedelta(minutes=1)
        text = rig.order_string("ALI0004", time_expire=expires)
        rig.clock.advance(120)
        late = await rig.open_cashier(text)
        await rig.open_cashier(rig.order_string("ALI0005"))
        await rig.client.close_trade("ALI0005")
        closed = await rig.open_cashier(rig.order_string("ALI0005"))
    assert late.json()["sub_code"] == closed.json()["sub_code"] == "ACQ.TRADE_HAS_CLOSE"


async def test_alipay_app_notification_refused_by_a_merchant_without_that_app(serve_loopback: Any) -> None:
    async with alipay_rig(serve_loopback) as rig:
        await rig.open_cashier(rig.order_string("ALI0006"))
        form = await rig.pay("ALI0006")
        rig.client.mobile_app_id = None
        with pytest.raises(MerchantMismatch) as caught:
            rig.client.parse_notification(form)
        with pytest.raises(ValueError, match="mobile_app_id"):
            rig.order_string("ALI0007")
    assert caught.value.field == "app_id"
