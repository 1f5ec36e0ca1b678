"""The Alipay payments adapter's close-trade and refund-query calls against the twin, and the
gateway twin answering the ways the real gateway is called: GET, and a form-encoded POST body."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from integrations import ManualClock, UpstreamRejected
from integrations.alipay import gateway_timestamp, load_private_key, rsa2_sign, sign_content

from .test_payments_alipay import create, make_rig


async def test_closed_trade_is_reported_closed_and_cannot_be_paid_or_created_again(
    serve_loopback: Any,
) -> None:
    async with make_rig(serve_loopback) as rig:
        await create(rig, "AC0001")
        await rig.client.close_trade("AC0001")
        closed = await rig.client.query_trade("AC0001")
        async with httpx.AsyncClient() as http:
            paid = await http.post(f"{rig.base_url}/alipay_pay/sandbox/trades/AC0001/pay")
        with pytest.raises(UpstreamRejected) as again:
            await create(rig, "AC0001")
    assert closed.status == "TRADE_CLOSED"
    assert paid.status_code == 409
    assert again.value.code == "ACQ.TRADE_HAS_CLOSE"


async def test_paid_trade_cannot_be_closed(serve_loopback: Any) -> None:
    async with make_rig(serve_loopback) as rig:
        await create(rig, "AC0002")
        await rig.pay("AC0002")
        with pytest.raises(UpstreamRejected) as caught:
            await rig.client.close_trade("AC0002")
    assert caught.value.code == "ACQ.TRADE_STATUS_ERROR"


async def test_refund_query_reports_each_request_and_a_full_refund_closes_the_trade(
    serve_loopback: Any,
) -> None:
    async with make_rig(serve_loopback) as rig:
        await create(rig, "AC0003", 1000)
        await rig.pay("AC0003")
        await rig.client.refund(out_trade_no="AC0003", out_request_no="R1", refund_fen=300)
        partly = await rig.client.query_trade("AC0003")
        await rig.client.refund(out_trade_no="AC0003", out_request_no="R2", refund_fen=700)
        first = await rig.client.query_refund(out_trade_no="AC0003", out_request_no="R1")
        second = await rig.client.query_refund(out_trade_no="AC0003", out_request_no="R2")
        never = await rig.client.query_refund(out_trade_no="AC0003", out_request_no="R3")
        fully = await rig.client.query_trade("AC0003")
    assert (first.refunded, first.refund_fen) == (True, 300)
    assert (second.refunded, second.refund_fen) == (True, 700)
    assert (never.refunded, never.refund_fen) == (False, None)
    assert (partly.status, fully.status) == ("TRADE_SUCCESS", "TRADE_CLOSED")


async def test_refund_query_of_an_unknown_trade_is_refused(serve_loopback: Any) -> None:
    async with make_rig(serve_loopback) as rig:
        with pytest.raises(UpstreamRejected) as caught:
            await rig.client.query_refund(out_trade_no="nope", out_request_no="R1")
    assert caught.value.code == "ACQ.TRADE_NOT_EXIST"


def _signed_query(keys: dict[str, str], now: float, out_trade_no: str) -> dict[str, str]:
    params = {
        "app_id": keys["app_id"],
        "method": "alipay.trade.query",
        "format": "JSON",
        "charset": "utf-8",
        "sign_type": "RSA2",
        "timestamp": gateway_timestamp(now),
        "version": "1.0",
        "biz_content": json.dumps({"out_trade_no": out_trade_no}),
    }
    params["sign"] = rsa2_sign(sign_content(params), load_private_key(keys["app_private_key"]))
    return params


@pytest.mark.parametrize("how", ["GET", "form POST", "form POST with common params in the query"])
async def test_gateway_answers_get_and_form_encoded_posts(serve_loopback: Any, how: str) -> None:
    async with make_rig(serve_loopback) as rig, httpx.AsyncClient() as http:
        await create(rig, "AC0004", 500)
        keys = (await http.get(f"{rig.base_url}/alipay_pay/sandbox-keys")).json()
        params = _signed_query(keys, ManualClock().now(), "AC0004")  # the rig's clock: not moved
        url = f"{rig.base_url}/alipay_pay/gateway.do"
        form = {"content-type": "application/x-www-form-urlencoded;charset=utf-8"}
        if how == "GET":
            answer = await http.get(url, params=params)
        elif how == "form POST":
            answer = await http.post(url, content=urlencode(params), headers=form)
        else:
            biz = {"biz_content": params.pop("biz_content")}
            answer = await http.post(url, params=params, content=urlencode(biz), headers=form)
    node = answer.json()["alipay_trade_query_response"]
    assert (answer.status_code, node["code"], node["trade_status"]) == (200, "10000", "WAIT_BUYER_PAY")
