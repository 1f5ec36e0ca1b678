"""WeChat Pay v3 through ``wechatpayv3`` (minibear2021): the SDK builds and signs every request,
verifies every answer's platform signature and decrypts the notifications itself; only its gateway
host is changed to the twin's. A whole payment: created, paid and notified, queried, refunded and
notified, the refund queried; another order closed."""

from __future__ import annotations

import json
import random
import re
import uuid
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from wechatpayv3 import WeChatPay, WeChatPayType

from integrations import ManualClock, UpstreamConfig
from integrations.payments.wechatpay import WeChatPay as Adapter
from integrations.payments.wechatpay import load_merchant_key, load_platform_key
from integrations.wechat import sandbox_openid

NOTIFY_URL = "https://suqian.example/mp/v1/payments/wechat/notify"
# ``2018-06-08T10:34:56+08:00``: whole seconds and the Beijing offset, as the platform sends.
V3_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$")


def _keys(sandbox_url: str) -> dict[str, str]:
    keys: dict[str, str] = httpx.get(f"{sandbox_url}/wechatpay/sandbox-keys", trust_env=False).json()
    return keys


def _sdk(sandbox_url: str, *, private_key: str | None = None) -> Any:
    keys = _keys(sandbox_url)
    pay = WeChatPay(
        wechatpay_type=WeChatPayType.MINIPROG,
        mchid=keys["mchid"],
        private_key=private_key or keys["merchant_private_key"],
        cert_serial_no=keys["merchant_serial"],
        appid=keys["appid"],
        apiv3_key=keys["apiv3_key"],
        notify_url=NOTIFY_URL,
        # Public-key mode (PUB_KEY_ID_...): the platform key is configured, nothing is downloaded.
        public_key=keys["platform_public_key"],
        public_key_id=keys["platform_serial"],
        timeout=(3, 10),
    )
    pay._core._gate_way = f"{sandbox_url}/wechatpay"  # the only change: the host
    return pay


def _order(pay: Any, out_trade_no: str, total: int) -> tuple[int, dict[str, Any]]:
    code, message = pay.pay(
        description="宿迁博物馆门票",
        out_trade_no=out_trade_no,
        amount={"total": total, "currency": "CNY"},
        payer={"openid": sandbox_openid(1)},
    )
    return code, json.loads(message)


def _buyer_pays(sandbox_url: str, out_trade_no: str) -> httpx.Response:
    return httpx.post(f"{sandbox_url}/wechatpay/sandbox/orders/{out_trade_no}/pay", trust_env=False)


def _last_notification(pay: Any, sandbox_url: str) -> dict[str, Any]:
    """The newest notification, verified and decrypted by the SDK's own ``callback``."""
    emitted = httpx.get(f"{sandbox_url}/wechatpay/sandbox/notifications", trust_env=False).json()
    notice: dict[str, Any] | None = pay.callback(emitted[-1]["headers"], emitted[-1]["body"])
    assert notice is not None, "the SDK refused the notification's signature or could not decrypt it"
    return notice


def _number() -> str:
    return uuid.uuid4().hex[:20]


def test_payment_created_paid_queried_refunded_and_reconciled(sandbox_url: str) -> None:
    pay = _sdk(sandbox_url)
    out_trade_no, out_refund_no = f"SDK{_number()}", f"SDKR{_number()}"

    code, prepay = _order(pay, out_trade_no, 8800)
    assert code == 200
    assert re.fullmatch(r"wx\d{14}[0-9a-f]{20}", prepay["prepay_id"])

    assert _buyer_pays(sandbox_url, out_trade_no).status_code == 200
    paid = _last_notification(pay, sandbox_url)
    assert paid["event_type"] == "TRANSACTION.SUCCESS"
    assert paid["resource"]["out_trade_no"] == out_trade_no
    assert paid["resource"]["trade_state"] == "SUCCESS"
    assert paid["resource"]["amount"]["total"] == 8800

    code, message = pay.query(out_trade_no=out_trade_no)
    order = json.loads(message)
    assert (code, order["trade_state"]) == (200, "SUCCESS")
    assert order["transaction_id"] == paid["resource"]["transaction_id"]
    assert V3_TIME.fullmatch(order["success_time"])

    code, message = pay.query(transaction_id=order["transaction_id"])
    assert (code, json.loads(message)["out_trade_no"]) == (200, out_trade_no)

    code, message = pay.refund(
        out_refund_no=out_refund_no,
        amount={"refund": 3000, "total": 8800, "currency": "CNY"},
        transaction_id=order["transaction_id"],  # the SDK may name the order either way
        reason="行程取消",
    )
    refund = json.loads(message)
    assert (code, refund["status"]) == (200, "PROCESSING")
    assert re.fullmatch(r"\d{29}", refund["refund_id"])
    assert V3_TIME.fullmatch(refund["create_time"])

    refunded = _last_notification(pay, sandbox_url)
    assert refunded["event_type"] == "REFUND.SUCCESS"
    assert refunded["resource"]["refund_id"] == refund["refund_id"]
    assert refunded["resource"]["amount"]["refund"] == 3000

    code, message = pay.query_refund(out_refund_no=out_refund_no)
    settled = json.loads(message)
    assert (code, settled["status"], settled["amount"]["refund"]) == (200, "SUCCESS", 3000)
    assert settled["success_time"] == refunded["resource"]["success_time"]

    code, message = pay.query(out_trade_no=out_trade_no)
    assert (code, json.loads(message)["trade_state"]) == (200, "REFUND")


def test_unpaid_order_is_closed_and_a_paid_one_is_not(sandbox_url: str) -> None:
    pay = _sdk(sandbox_url)
    unpaid, paid = f"SDKC{_number()}", f"SDKP{_number()}"
    assert _order(pay, unpaid, 100)[0] == 200
    assert _order(pay, paid, 100)[0] == 200
    assert _buyer_pays(sandbox_url, paid).status_code == 200

    assert pay.close(out_trade_no=unpaid)[0] == 204  # the SDK verified the signed empty answer
    code, message = pay.query(out_trade_no=unpaid)
    assert (code, json.loads(message)["trade_state"]) == (200, "CLOSED")
    assert _buyer_pays(sandbox_url, unpaid).status_code == 409

    code, message = pay.close(out_trade_no=paid)
    assert (code, json.loads(message)["code"]) == (400, "ORDERPAID")


def test_refund_query_of_an_unknown_refund_is_not_found(sandbox_url: str) -> None:
    code, message = _sdk(sandbox_url).query_refund(out_refund_no=f"NONE{_number()}")
    assert (code, json.loads(message)["code"]) == (404, "RESOURCE_NOT_EXISTS")


@pytest.mark.parametrize("call", ["order", "query", "close"])
def test_a_request_signed_by_another_merchant_key_is_refused(sandbox_url: str, call: str) -> None:
    """The twin does verify under the mount: the SDK's requests pass because they are right."""
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    pay = _sdk(sandbox_url, private_key=other.decode())
    if call == "order":
        code, body = _order(pay, f"SDKX{_number()}", 100)
    else:
        code, message = (pay.query if call == "query" else pay.close)(out_trade_no="SDKX")
        body = json.loads(message)
    assert (code, body["code"]) == (401, "SIGN_ERROR")


def test_app_order_paid_and_notified_with_the_pay_req_the_sdk_would_sign(sandbox_url: str) -> None:
    """APP: the SDK in ``WeChatPayType.APP`` mode under the mobile app's AppID places the order
    (``/v3/pay/transactions/app``, no payer); the ``PayReq`` sign our adapter makes is the one the
    SDK's ``sign([appid, timestamp, noncestr, prepayid])`` makes; the payment is notified under
    the app's AppID and the SDK decrypts it."""
    keys = _keys(sandbox_url)
    pay = WeChatPay(
        wechatpay_type=WeChatPayType.APP,
        mchid=keys["mchid"],
        private_key=keys["merchant_private_key"],
        cert_serial_no=keys["merchant_serial"],
        appid=keys["app_appid"],
        apiv3_key=keys["apiv3_key"],
        notify_url=NOTIFY_URL,
        public_key=keys["platform_public_key"],
        public_key_id=keys["platform_serial"],
        timeout=(3, 10),
    )
    pay._core._gate_way = f"{sandbox_url}/wechatpay"
    out_trade_no = f"SDKA{_number()}"
    code, message = pay.pay(
        description="宿迁水费", out_trade_no=out_trade_no, amount={"total": 4250}, pay_type=WeChatPayType.APP
    )
    prepay_id = json.loads(message)["prepay_id"]
    assert code == 200

    ours = Adapter(
        UpstreamConfig(base_url=f"{sandbox_url}/wechatpay"),
        appid=keys["appid"], app_appid=keys["app_appid"], mchid=keys["mchid"],
        merchant_serial=keys["merchant_serial"],
        merchant_private_key=load_merchant_key(keys["merchant_private_key"]),
        platform_keys={keys["platform_serial"]: load_platform_key(keys["platform_public_key"])},
        apiv3_key=keys["apiv3_key"].encode(), clock=ManualClock(start=1_764_700_000), rng=random.Random(1),
    ).app_payment_arguments(prepay_id)  # fmt: skip
    assert (ours.appid, ours.partnerid, ours.prepayid, ours.package) == (
        keys["app_appid"], keys["mchid"], prepay_id, "Sign=WXPay",
    )  # fmt: skip
    assert ours.sign == pay.sign([ours.appid, ours.timestamp, ours.noncestr, ours.prepayid])

    assert _buyer_pays(sandbox_url, out_trade_no).status_code == 200
    paid = _last_notification(pay, sandbox_url)
    assert paid["resource"]["out_trade_no"] == out_trade_no
    assert (paid["resource"]["appid"], paid["resource"]["trade_type"]) == (keys["app_appid"], "APP")
    assert paid["resource"]["payer"]["openid"]
    code, message = pay.query(out_trade_no=out_trade_no)
    assert (code, json.loads(message)["trade_state"]) == (200, "SUCCESS")
