"""The payment twins' daily bills through the adapters, over loopback HTTP: WeChat Pay's tradebill
(CSV named by a download URL, checked by its SHA-1) and Alipay's bill URL (a GBK zip), each listing
the day's payments and refunds in the platform's own format; today has no bill yet."""

from __future__ import annotations

import random
from datetime import date
from typing import Any

import httpx

from integrations import ManualClock, UpstreamConfig
from integrations.alipay import load_private_key, load_public_key
from integrations.payments.alipay_trade import SANDBOX_SELLER_ID, AlipayPayments
from integrations.payments.bills import WECHAT_TRADEBILL_HEADER, BillLine, parse_alipay_bill

from .test_payments_alipay import create
from .test_payments_alipay import make_rig as alipay_rig
from .test_payments_wechatpay_contract import make_rig, place

# The rigs' ManualClock starts at 2025-01-01T00:00:00Z = 08:00 in Beijing.
DAY = date(2025, 1, 1)


async def test_wechat_tradebill_lists_the_days_payments_and_refunds(serve_loopback: Any) -> None:
    async with make_rig(serve_loopback) as rig:
        await place(rig, "BL0001", 1200)
        await place(rig, "BL0002", 300)
        await rig.pay("BL0001")
        await rig.pay("BL0002")
        await rig.client.refund(out_trade_no="BL0001", out_refund_no="BLR1", refund_fen=200, total_fen=1200)
        assert await rig.client.trade_bill(DAY) == []  # today's bill is not ready
        _clock(rig).advance(86_400)
        lines = await rig.client.trade_bill(DAY)
        raw = next(iter(rig.state.bills.values())).decode()
        assert await rig.client.trade_bill(date(2024, 12, 31)) == []  # no trade that day
    assert raw.startswith(WECHAT_TRADEBILL_HEADER)
    assert "`SUCCESS" in raw
    by = {(line.kind, line.out_trade_no): line for line in lines}
    assert by["payment", "BL0001"].amount_fen == 1200
    assert by["payment", "BL0002"].amount_fen == 300
    refund = by["refund", "BL0001"]
    assert (refund.amount_fen, refund.out_refund_no) == (200, "BLR1")
    assert len(by["payment", "BL0001"].transaction_id) == 28


async def test_alipay_bill_url_serves_the_days_gbk_zip(serve_loopback: Any) -> None:
    async with alipay_rig(serve_loopback) as rig:
        await create(rig, "AB0001", 880)
        await rig.pay("AB0001")
        await rig.client.refund(out_trade_no="AB0001", out_request_no="ABR1", refund_fen=80)
        keys = await _keys(rig.base_url)
        config = UpstreamConfig(base_url=f"{rig.base_url}/alipay_pay")
        async with AlipayPayments(
            config,
            app_id=keys["app_id"],
            app_private_key=load_private_key(keys["app_private_key"]),
            alipay_public_key=load_public_key(keys["alipay_public_key"]),
            seller_id=SANDBOX_SELLER_ID,
            bill_base_url=f"{rig.base_url}/alipay_pay",
            clock=_clock(rig),
            rng=random.Random(3),
        ) as payments:
            assert await payments.trade_bill(DAY) == []
            _clock(rig).advance(86_400)
            lines = await payments.trade_bill(DAY)
        zipped = next(iter(rig.state.bills.values()))
    assert parse_alipay_bill(zipped) == lines
    assert (
        BillLine(
            kind="payment",
            out_trade_no="AB0001",
            transaction_id=lines[0].transaction_id,
            amount_fen=880,
            time=lines[0].time,
        )
        in lines
    )
    refund = next(line for line in lines if line.kind == "refund")
    assert (refund.amount_fen, refund.out_refund_no) == (80, "ABR1")


async def _keys(base_url: str) -> dict[str, str]:
    async with httpx.AsyncClient() as http:
        keys: dict[str, str] = (await http.get(f"{base_url}/alipay_pay/sandbox-keys")).json()
    return keys


def _clock(rig: Any) -> ManualClock:
    clock = rig.client._clock  # the rig's ManualClock, shared by the twins and the adapter
    assert isinstance(clock, ManualClock)
    return clock
