"""The app channels: our mobile app pays through WeChat Pay APP (the Open SDK's ``PayReq``) and
Alipay ``alipay.trade.app.pay`` (the Alipay SDK's ``orderStr``). No mini-program user is named:
the citizen is the order's by their token, and whoever pays in the WeChat / Alipay app it opens
pays it; the notification settles it like any other."""

from __future__ import annotations

import uuid
from urllib.parse import parse_qsl

import httpx
import msgspec

from backend.payment.ledger import derive
from integrations.payments.alipay_trade import SANDBOX_MOBILE_APP_ID, AlipayPayTwinState
from integrations.payments.wechatpay import SANDBOX_APP_APPID
from tests.backend.citizen.factories import bearer, register
from tests.backend.payment.factories import Payer, buyer_pays, deliver, last_notification, payments, place
from tests.services import Services

PAY_REQ = {"appid", "partnerid", "prepayid", "package", "noncestr", "timestamp", "sign"}


async def _app_user(client: httpx.AsyncClient) -> Payer:
    """A registered citizen with no mini-program user linked: they use the app."""
    registered = await register(client)
    return Payer(uuid.UUID(registered["citizen"]["id"]), bearer(registered["tokens"]["access_token"]))


async def _status(services: Services, order_id: uuid.UUID) -> str:
    order = await payments(services).get(order_id)
    assert derive(await payments(services).ledger(order_id)) == order.status
    return order.status


async def test_a_wechat_app_order_needs_no_linked_user_and_is_settled_by_its_notification(
    services: Services, client: httpx.AsyncClient
) -> None:
    citizen = await _app_user(client)
    created = await place(services, citizen, channel="wechat_app")
    again = await place(services, citizen, channel="wechat_app", payable=created.order.payable)
    arguments = created.pay_arguments
    assert set(arguments) == PAY_REQ
    assert (arguments["appid"], arguments["package"]) == (SANDBOX_APP_APPID, "Sign=WXPay")
    assert arguments["prepayid"] == created.order.prepay == again.pay_arguments["prepayid"]
    assert (created.order.payer, created.order.platform) == ("", "wechatpay")

    await buyer_pays(client, created.order.out_trade_no)
    notification = last_notification(services)
    answers = [await deliver(client, notification) for _ in range(3)]
    assert {answer.status_code for answer in answers} == {204}
    assert await _status(services, created.order.id) == "paid"
    read = await client.get(f"/api/v1/payments/orders/{created.order.id}", headers=citizen.headers)
    assert (read.json()["channel"], read.json()["status"]) == ("wechat_app", "paid")


async def test_an_alipay_app_order_is_an_order_string_the_alipay_app_opens_and_pays(
    services: Services, client: httpx.AsyncClient
) -> None:
    citizen = await _app_user(client)
    created = await place(services, citizen, channel="alipay_app", amount_fen=4250)
    assert set(created.pay_arguments) == {"orderStr"}
    assert created.order.prepay == ""  # nothing was placed: the Alipay app places it
    params = dict(parse_qsl(created.pay_arguments["orderStr"]))
    biz = msgspec.json.decode(params["biz_content"])
    assert (params["app_id"], params["method"]) == (SANDBOX_MOBILE_APP_ID, "alipay.trade.app.pay")
    assert (biz["out_trade_no"], biz["total_amount"]) == (created.order.out_trade_no, "42.50")
    assert params["notify_url"].endswith("/api/v1/payments/notify/alipay")

    opened = await client.post(
        "/_sandbox/alipay_pay/sandbox/app-pay",
        content=created.pay_arguments["orderStr"],
        headers={"content-type": "application/x-www-form-urlencoded;charset=utf-8"},
    )
    assert opened.status_code == 200, opened.text
    await buyer_pays(client, created.order.out_trade_no, "alipay_pay")
    sandbox = services.upstreams.sandbox
    assert sandbox is not None
    twin = sandbox.state("alipay_pay")
    assert isinstance(twin, AlipayPayTwinState)
    answer = await client.post(
        "/api/v1/payments/notify/alipay",
        content=twin.notifications[-1].body.encode(),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert (answer.status_code, answer.text) == (200, "success")
    assert await _status(services, created.order.id) == "paid"


async def test_an_unpaid_alipay_app_order_closes_on_expiry(
    services: Services, client: httpx.AsyncClient
) -> None:
    citizen = await _app_user(client)
    created = await place(services, citizen, channel="alipay_app")
    # Never opened at Alipay: closing finds no trade there, which is closed enough.
    assert await payments(services).close(created.order, source="test")
    assert await _status(services, created.order.id) == "closed"
