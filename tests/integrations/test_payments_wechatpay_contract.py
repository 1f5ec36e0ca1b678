"""Contract tests: the WeChat Pay adapter against its twin over real loopback HTTP."""

from __future__ import annotations

import contextlib
import random
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from integrations import (
    AuditEvent,
    ManualClock,
    RetryPolicy,
    SignatureRejected,
    UpstreamConfig,
    UpstreamMalformed,
    UpstreamRejected,
    UpstreamUnavailable,
)
from integrations.payments.wechatpay import (
    RefundNotice,
    SignedNotification,
    Transaction,
    WeChatPay,
    WeChatPayTwinState,
    create_wechatpay_twin,
    load_merchant_key,
    load_platform_key,
    rsa_verify,
)
from integrations.sandbox import Faults, Sandbox, create_sandbox
from integrations.wechat import sandbox_openid

NOTIFY_URL = "https://suqian.example/mp/v1/payments/wechat/notify"
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


class Rig:
    def __init__(self, sandbox: Sandbox, client: WeChatPay, base_url: str) -> None:
        self.sandbox = sandbox
        self.client = client
        self.base_url = base_url
        self.audit: list[AuditEvent] = []

    @property
    def state(self) -> WeChatPayTwinState:
        state = self.sandbox.twins["wechatpay"].state
        assert isinstance(state, WeChatPayTwinState)
        return state

    async def pay(self, out_trade_no: str) -> SignedNotification:
        """The user confirms ``wx.requestPayment``; return the notification it caused."""
        async with httpx.AsyncClient() as http:
            answer = await http.post(f"{self.base_url}/wechatpay/sandbox/orders/{out_trade_no}/pay")
        assert answer.status_code == 200
        return self.state.notifications[-1]

    def receive(self, notification: SignedNotification) -> Any:
        return self.client.parse_notification(notification.headers, notification.body.encode())


@contextlib.asynccontextmanager
async def make_rig(
    serve_loopback: Any, *, client_clock: ManualClock | None = None, **overrides: Any
) -> AsyncIterator[Rig]:
    clock = ManualClock()
    sandbox = create_sandbox(clock=clock, systems={"wechatpay": create_wechatpay_twin})
    async with serve_loopback(sandbox) as base_url:
        async with httpx.AsyncClient() as http:
            keys = (await http.get(f"{base_url}/wechatpay/sandbox-keys")).json()
        events: list[AuditEvent] = []
        options: dict[str, Any] = {
            "appid": keys["appid"],
            "mchid": keys["mchid"],
            "merchant_serial": keys["merchant_serial"],
            "merchant_private_key": load_merchant_key(keys["merchant_private_key"]),
            "platform_keys": {keys["platform_serial"]: load_platform_key(keys["platform_public_key"])},
            "apiv3_key": keys["apiv3_key"].encode(),
            "clock": client_clock or clock,
            "rng": random.Random(5),
            "audit": events.append,
            **overrides,
        }
        config = UpstreamConfig(base_url=f"{base_url}/wechatpay", retry=RetryPolicy(max_attempts=3))
        async with WeChatPay(config, **options) as client:
            rig = Rig(sandbox, client, base_url)
            rig.audit = events
            yield rig


async def place(rig: Rig, out_trade_no: str = "SQ0001", amount_fen: int = 8800) -> Any:
    return await rig.client.create_jsapi_order(
        out_trade_no=out_trade_no,
        description="宿迁博物馆门票",
        amount_fen=amount_fen,
        openid=sandbox_openid(1),
        notify_url=NOTIFY_URL,
    )


async def test_jsapi_order_returns_signed_request_payment_arguments(serve_loopback: Any) -> None:
    async with make_rig(serve_loopback) as rig:
        args = await place(rig)
        merchant_public = rig.state.merchant_private_key.public_key()
    assert args.package.startswith("prepay_id=wx")
    rsa_verify(
        merchant_public, args.pay_sign, rig.client.appid, args.time_stamp, args.nonce_str, args.package
    )


async def test_repeating_an_order_returns_the_same_prepay_id(serve_loopback: Any) -> None:
    async with make_rig(serve_loopback) as rig:
        first = await place(rig)
        again = await place(rig)
        assert first.package == again.package
        assert len(rig.state.orders) == 1


async def test_same_out_trade_no_with_other_amount_is_refused(serve_loopback: Any) -> None:
    async with make_rig(serve_loopback) as rig:
        await place(rig)
        with pytest.raises(UpstreamRejected) as caught:
            await place(rig, amount_fen=1)
    assert caught.value.code == "INVALID_REQUEST"
    assert caught.value.status_code == 400


async def test_payment_notification_verifies_and_decrypts(serve_loopback: Any) -> None:
    async with make_rig(serve_loopback) as rig:
        await place(rig, "SQ0002", 1234)
        notification = await rig.pay("SQ0002")
        parsed = rig.receive(notification)
    assert notification.url == NOTIFY_URL
    assert parsed.event_type == "TRANSACTION.SUCCESS"
    assert isinstance(parsed.resource, Transaction)
    assert parsed.resource.trade_state == "SUCCESS"
    assert parsed.resource.amount is not None
    assert parsed.resource.amount.total == 1234
    assert parsed.resource.payer is not None
    assert parsed.resource.payer.openid == sandbox_openid(1)


async def test_notification_replayed_after_five_minutes_is_stale(serve_loopback: Any) -> None:
    merchant_clock = ManualClock()
    async with make_rig(serve_loopback, client_clock=merchant_clock) as rig:
        await place(rig, "SQ0003")
        notification = await rig.pay("SQ0003")
        merchant_clock.advance(301)
        with pytest.raises(SignatureRejected) as caught:
            rig.receive(notification)
    assert caught.value.reason == "stale"


async def test_paid_order_is_reported_by_query_and_cannot_be_placed_again(
    serve_loopback: Any,
) -> None:
    async with make_rig(serve_loopback) as rig:
        await place(rig, "SQ0004")
        await rig.pay("SQ0004")
        transaction = await rig.client.query_order("SQ0004")
        assert transaction.trade_state == "SUCCESS"
        assert transaction.transaction_id
        with pytest.raises(UpstreamRejected) as caught:
            await place(rig, "SQ0004")
    assert caught.value.code == "ORDERPAID"


async def test_query_of_unknown_order_is_refused(serve_loopback: Any) -> None:
    async with make_rig(serve_loopback) as rig:
        with pytest.raises(UpstreamRejected) as caught:
            await rig.client.query_order("nope")
    assert caught.value.code == "ORDER_NOT_EXIST"


async def test_refund_is_idempotent_and_notified(serve_loopback: Any) -> None:
    async with make_rig(serve_loopback) as rig:
        await place(rig, "SQ0005", 8800)
        await rig.pay("SQ0005")
        refund = await rig.client.refund(
            out_trade_no="SQ0005", out_refund_no="RF0005", refund_fen=800, total_fen=8800
        )
        again = await rig.client.refund(
            out_trade_no="SQ0005", out_refund_no="RF0005", refund_fen=800, total_fen=8800
        )
        notice = rig.receive(rig.state.notifications[-1])
        assert len(rig.state.notifications) == 2  # one payment, one refund: no duplicate
    assert refund.refund_id == again.refund_id
    assert refund.status == "PROCESSING"
    assert isinstance(notice.resource, RefundNotice)
    assert notice.resource.refund_status == "SUCCESS"
    assert notice.resource.amount.refund == 800


async def test_refund_beyond_refundable_amount_is_refused(serve_loopback: Any) -> None:
    async with make_rig(serve_loopback) as rig:
        await place(rig, "SQ0006", 100)
        await rig.pay("SQ0006")
        await rig.client.refund(out_trade_no="SQ0006", out_refund_no="RF1", refund_fen=60, total_fen=100)
        with pytest.raises(UpstreamRejected) as caught:
            await rig.client.refund(out_trade_no="SQ0006", out_refund_no="RF2", refund_fen=41, total_fen=100)
    assert caught.value.code == "INVALID_REQUEST"


async def test_request_signed_with_foreign_merchant_key_is_refused(serve_loopback: Any) -> None:
    async with make_rig(serve_loopback, merchant_private_key=OTHER_KEY) as rig:
        with pytest.raises(UpstreamRejected) as caught:
            await place(rig)
    assert caught.value.code == "SIGN_ERROR"
    assert caught.value.status_code == 401


async def test_answer_signed_by_unexpected_platform_key_is_malformed(serve_loopback: Any) -> None:
    async with make_rig(
        serve_loopback, platform_keys={"PUB_KEY_ID_0000000000000001": OTHER_KEY.public_key()}
    ) as rig:
        with pytest.raises(UpstreamMalformed) as caught:
            await place(rig)
    assert caught.value.detail == "response signature: bad_signature"


async def test_answer_from_unknown_platform_serial_is_malformed(serve_loopback: Any) -> None:
    async with make_rig(serve_loopback, platform_keys={"PUB_KEY_ID_OTHER": OTHER_KEY.public_key()}) as rig:
        with pytest.raises(UpstreamMalformed) as caught:
            await place(rig)
    assert caught.value.detail == "response signature: unknown_key"


async def test_merchant_clock_ten_minutes_off_is_refused_as_stale(serve_loopback: Any) -> None:
    skewed = ManualClock()
    skewed.advance(600)
    async with make_rig(serve_loopback, client_clock=skewed) as rig:
        with pytest.raises(UpstreamMalformed) as caught:
            await place(rig)
        # The twin refused our stale request, and its (fresh) answer is stale to us.
        assert rig.audit[-1].status_code == 401
    assert caught.value.detail == "response signature: stale"


async def test_injected_outage_is_unavailable_after_retries(serve_loopback: Any) -> None:
    async with make_rig(serve_loopback) as rig:
        rig.sandbox.twins["wechatpay"].faults.faults = Faults(down=True)
        with pytest.raises(UpstreamUnavailable) as caught:
            await place(rig)
        assert caught.value.reason == "http_503"
        assert rig.audit[-1].attempts == 3  # out_trade_no makes the order safe to retry


async def test_notification_sink_receives_what_the_twin_emits(serve_loopback: Any) -> None:
    delivered: list[SignedNotification] = []

    async def sink(notification: SignedNotification) -> None:
        delivered.append(notification)

    async with make_rig(serve_loopback) as rig:
        rig.state.notification_sink = sink
        await place(rig, "SQ0007")
        await rig.pay("SQ0007")
        async with httpx.AsyncClient() as http:
            listed = (await http.get(f"{rig.base_url}/wechatpay/sandbox/notifications")).json()
    assert delivered == rig.state.notifications
    assert listed[-1]["body"] == delivered[-1].body
