"""Alipay trades: notification vectors and tamper cases, amounts, and the twin contract."""

from __future__ import annotations

import contextlib
import json
import random
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from integrations import (
    AuditEvent,
    ManualClock,
    RetryPolicy,
    SignatureRejected,
    UpstreamConfig,
    UpstreamRejected,
    UpstreamUnavailable,
)
from integrations.alipay import (
    SignTypeUnsupported,
    load_private_key,
    load_public_key,
    rsa2_sign,
    sign_content,
)
from integrations.payments import MerchantMismatch, NotificationMalformed
from integrations.payments.alipay_trade import (
    SANDBOX_SELLER_ID,
    AlipayPayments,
    AlipayPayTwinState,
    create_alipay_pay_twin,
    fen_to_yuan,
    yuan_to_fen,
)
from integrations.sandbox import Faults, Sandbox, create_sandbox

FIXTURES = Path(__file__).parent / "fixtures"
NOTIFICATION: dict[str, Any] = json.loads(
    (FIXTURES / "payments" / "alipay_notification.json").read_text("utf-8")
)
ALIPAY_KEY = load_private_key((FIXTURES / "alipay" / "keys" / "alipay_private.pem").read_text())
APP_KEY = load_private_key((FIXTURES / "alipay" / "keys" / "app_private.pem").read_text())
NOTIFIED_AT = 1_735_689_900.0  # 2025-01-01 08:05:00 Beijing, the vector's notify_time
NOTIFY_URL = "https://suqian.example/mp/v1/payments/alipay/notify"


def make_offline_merchant(*, now: float = NOTIFIED_AT, **overrides: Any) -> AlipayPayments:
    options: dict[str, Any] = {
        "app_id": "2021000000000001",
        "app_private_key": APP_KEY,
        "alipay_public_key": ALIPAY_KEY.public_key(),
        "seller_id": SANDBOX_SELLER_ID,
        "clock": ManualClock(start=now),
        **overrides,
    }
    return AlipayPayments(UpstreamConfig(base_url="https://openapi.alipay.com"), **options)


def params(**overrides: str | None) -> dict[str, str]:
    merged: dict[str, str | None] = {**NOTIFICATION["params"], **overrides}
    return {k: v for k, v in merged.items() if v is not None}


def test_notification_vector_verifies() -> None:
    notification = make_offline_merchant().parse_notification(params())
    assert notification.paid
    assert notification.total_fen == 8800
    assert notification.out_trade_no == "SQ20250101000001"


def test_notification_verifies_without_sign_type_which_is_not_signed() -> None:
    make_offline_merchant().parse_notification(params(sign_type=None))


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        pytest.param({"total_amount": "0.01"}, "bad_signature", id="amount-changed"),
        pytest.param({"trade_status": "TRADE_CLOSED"}, "bad_signature", id="status-changed"),
        pytest.param({"sign": None}, "missing_header", id="unsigned"),
        pytest.param({"sign": "bm90IGEgc2lnbmF0dXJl"}, "bad_signature", id="garbage-sign"),
        pytest.param({"sign_type": "RSA"}, "unsupported_sign_type", id="downgrade"),
    ],
)
def test_tampered_notification_is_rejected_with_its_reason(
    overrides: dict[str, str | None], reason: str
) -> None:
    with pytest.raises(SignatureRejected) as caught:
        make_offline_merchant().parse_notification(params(**overrides))
    assert caught.value.reason == reason


def test_downgraded_sign_type_is_its_own_error() -> None:
    with pytest.raises(SignTypeUnsupported) as caught:
        make_offline_merchant().parse_notification(params(sign_type="RSA"))
    assert caught.value.declared == "RSA"


def test_notification_older_than_48_hours_is_stale() -> None:
    with pytest.raises(SignatureRejected) as caught:
        make_offline_merchant(now=NOTIFIED_AT + 48 * 3600 + 1).parse_notification(params())
    assert caught.value.reason == "stale"


def test_genuine_notification_for_another_app_is_refused() -> None:
    with pytest.raises(MerchantMismatch) as caught:
        make_offline_merchant(app_id="2021999999999999").parse_notification(params())
    assert caught.value.field == "app_id"


def test_genuine_notification_for_another_seller_is_refused() -> None:
    with pytest.raises(MerchantMismatch) as caught:
        make_offline_merchant(seller_id="2088999999999999").parse_notification(params())
    assert caught.value.field == "seller_id"


@given(st.integers(min_value=0, max_value=10**11))
def test_fen_survive_the_yuan_round_trip(fen: int) -> None:
    assert yuan_to_fen(fen_to_yuan(fen)) == fen


@pytest.mark.parametrize(
    ("yuan", "fen"), [("88", 8800), ("88.5", 8850), ("0.01", 1), ("1234567.89", 123456789)]
)
def test_yuan_strings_convert_exactly(yuan: str, fen: int) -> None:
    assert yuan_to_fen(yuan) == fen


@pytest.mark.parametrize("yuan", ["1.234", "-1", "1e3", "01.00", "", " 1", "1,00", "NaN"])
def test_malformed_yuan_strings_are_refused(yuan: str) -> None:
    with pytest.raises(ValueError, match="not an amount"):
        yuan_to_fen(yuan)


class Rig:
    def __init__(self, sandbox: Sandbox, client: AlipayPayments, base_url: str) -> None:
        self.sandbox = sandbox
        self.client = client
        self.base_url = base_url
        self.audit: list[AuditEvent] = []

    @property
    def state(self) -> AlipayPayTwinState:
        state = self.sandbox.twins["alipay_pay"].state
        assert isinstance(state, AlipayPayTwinState)
        return state

    async def pay(self, out_trade_no: str) -> dict[str, str]:
        async with httpx.AsyncClient() as http:
            url = f"{self.base_url}/alipay_pay/sandbox/trades/{out_trade_no}/pay"
            assert (await http.post(url)).status_code == 200
        notification = self.state.notifications[-1]
        assert notification.url == NOTIFY_URL
        return dict(parse_qsl(notification.body, keep_blank_values=True))


@contextlib.asynccontextmanager
async def make_rig(serve_loopback: Any) -> AsyncIterator[Rig]:
    clock = ManualClock()
    sandbox = create_sandbox(clock=clock, systems={"alipay_pay": create_alipay_pay_twin})
    async with serve_loopback(sandbox) as base_url:
        async with httpx.AsyncClient() as http:
            keys = (await http.get(f"{base_url}/alipay_pay/sandbox-keys")).json()
        events: list[AuditEvent] = []
        config = UpstreamConfig(base_url=f"{base_url}/alipay_pay", retry=RetryPolicy(max_attempts=3))
        async with AlipayPayments(
            config,
            app_id=keys["app_id"],
            app_private_key=load_private_key(keys["app_private_key"]),
            alipay_public_key=load_public_key(keys["alipay_public_key"]),
            seller_id=SANDBOX_SELLER_ID,
            clock=clock,
            rng=random.Random(9),
            audit=events.append,
        ) as client:
            rig = Rig(sandbox, client, base_url)
            rig.audit = events
            yield rig


async def create(rig: Rig, out_trade_no: str, amount_fen: int = 8800) -> Any:
    return await rig.client.create_trade(
        out_trade_no=out_trade_no,
        subject="宿迁博物馆门票",
        amount_fen=amount_fen,
        buyer_open_id="0sandbox00000000000000000001",
        notify_url=NOTIFY_URL,
    )


async def test_trade_create_is_idempotent_on_out_trade_no(serve_loopback: Any) -> None:
    async with make_rig(serve_loopback) as rig:
        first = await create(rig, "AT0001")
        again = await create(rig, "AT0001")
        with pytest.raises(UpstreamRejected) as caught:
            await create(rig, "AT0001", amount_fen=1)
    assert first.trade_no == again.trade_no
    assert caught.value.code == "ACQ.CONTEXT_INCONSISTENT"


async def test_paid_trade_notifies_and_is_reported_by_query(serve_loopback: Any) -> None:
    async with make_rig(serve_loopback) as rig:
        created = await create(rig, "AT0002", 1999)
        form = await rig.pay("AT0002")
        notification = rig.client.parse_notification(form)
        trade = await rig.client.query_trade("AT0002")
        with pytest.raises(UpstreamRejected) as caught:
            await create(rig, "AT0002", 1999)
    assert notification.paid
    assert (notification.trade_no, notification.total_fen) == (created.trade_no, 1999)
    assert (trade.status, trade.total_fen) == ("TRADE_SUCCESS", 1999)
    assert caught.value.code == "ACQ.TRADE_HAS_SUCCESS"


async def test_notification_from_twin_with_edited_amount_is_rejected(serve_loopback: Any) -> None:
    async with make_rig(serve_loopback) as rig:
        await create(rig, "AT0003")
        form = await rig.pay("AT0003")
        with pytest.raises(SignatureRejected) as caught:
            rig.client.parse_notification({**form, "total_amount": "0.01"})
    assert caught.value.reason == "bad_signature"


async def test_partial_refunds_are_idempotent_and_bounded(serve_loopback: Any) -> None:
    async with make_rig(serve_loopback) as rig:
        await create(rig, "AT0004", 1000)
        await rig.pay("AT0004")
        first = await rig.client.refund(out_trade_no="AT0004", out_request_no="R1", refund_fen=600)
        again = await rig.client.refund(out_trade_no="AT0004", out_request_no="R1", refund_fen=600)
        with pytest.raises(UpstreamRejected) as caught:
            await rig.client.refund(out_trade_no="AT0004", out_request_no="R2", refund_fen=401)
    assert (first.refund_fee_fen, first.fund_change) == (600, True)
    assert (again.refund_fee_fen, again.fund_change) == (600, False)
    assert caught.value.code == "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL"


async def test_refund_of_unpaid_or_unknown_trade_is_refused(serve_loopback: Any) -> None:
    async with make_rig(serve_loopback) as rig:
        await create(rig, "AT0005")
        with pytest.raises(UpstreamRejected) as unpaid:
            await rig.client.refund(out_trade_no="AT0005", out_request_no="R1", refund_fen=1)
        with pytest.raises(UpstreamRejected) as unknown:
            await rig.client.query_trade("nope")
    assert unpaid.value.code == "ACQ.TRADE_STATUS_ERROR"
    assert unknown.value.code == "ACQ.TRADE_NOT_EXIST"


async def test_injected_outage_is_unavailable_after_retries(serve_loopback: Any) -> None:
    async with make_rig(serve_loopback) as rig:
        rig.sandbox.twins["alipay_pay"].faults.faults = Faults(down=True)
        with pytest.raises(UpstreamUnavailable):
            await create(rig, "AT0006")
        assert rig.audit[-1].attempts == 3


def test_malformed_but_signed_notification_is_reported_as_malformed() -> None:
    # A notification Alipay signed but which lacks trade_no (impossible in practice).
    bad = params(trade_no=None, sign=None)
    bad["sign"] = rsa2_sign(sign_content(bad, exclude=frozenset({"sign", "sign_type"})), ALIPAY_KEY)
    with pytest.raises(NotificationMalformed):
        make_offline_merchant().parse_notification(bad)
