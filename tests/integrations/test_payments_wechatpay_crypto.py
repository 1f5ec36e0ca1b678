"""WeChat Pay v3 signing and notification handling against openssl-made vectors."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from integrations import ManualClock, OutboundRequest, SignatureRejected, UpstreamConfig
from integrations.payments import MerchantMismatch, ResourceUndecryptable
from integrations.payments.wechatpay import (
    SCHEMA,
    Transaction,
    WeChatPay,
    WeChatPaySigner,
    load_merchant_key,
    parse_authorization,
    rsa_sign,
    rsa_verify,
)

FIXTURES = Path(__file__).parent / "fixtures" / "payments"
VECTORS: dict[str, Any] = json.loads((FIXTURES / "wechatpay_vectors.json").read_text("utf-8"))
MERCHANT_KEY = load_merchant_key((FIXTURES / "keys" / "merchant_private.pem").read_text())
PLATFORM_KEY = load_merchant_key((FIXTURES / "keys" / "platform_private.pem").read_text())
NOTIFY = VECTORS["notification"]
NOTIFIED_AT = float(NOTIFY["timestamp"])
TAMPERED = NOTIFY["body"].replace("支付成功", "支付失败")


def notification_headers(**overrides: str) -> dict[str, str]:
    headers = {
        "Wechatpay-Serial": VECTORS["platform_serial"],
        "Wechatpay-Timestamp": NOTIFY["timestamp"],
        "Wechatpay-Nonce": NOTIFY["nonce"],
        "Wechatpay-Signature": NOTIFY["signature"],
        "Wechatpay-Signature-Type": SCHEMA,
    }
    headers.update(overrides)
    return headers


def make_merchant(*, now: float = NOTIFIED_AT, **overrides: Any) -> WeChatPay:
    options: dict[str, Any] = {
        "appid": "wx00sandbox0000001",
        "mchid": VECTORS["mchid"],
        "merchant_serial": VECTORS["merchant_serial"],
        "merchant_private_key": MERCHANT_KEY,
        "platform_keys": {VECTORS["platform_serial"]: PLATFORM_KEY.public_key()},
        "apiv3_key": NOTIFY["apiv3_key"].encode(),
        "clock": ManualClock(start=now),
        "rng": random.Random(0),
        **overrides,
    }
    return WeChatPay(UpstreamConfig(base_url="https://api.mch.weixin.qq.com"), **options)


def test_request_signature_matches_openssl_vector() -> None:
    v = VECTORS["request"]
    signer = WeChatPaySigner(
        mchid=VECTORS["mchid"], serial_no=VECTORS["merchant_serial"], private_key=MERCHANT_KEY
    )
    request = OutboundRequest(method="POST", target=v["target"], headers={}, body=v["body"].encode())
    signed = signer.sign(request, timestamp=v["timestamp"], nonce=v["nonce"])
    auth = parse_authorization(signed.headers["Authorization"])
    assert auth.signature == v["signature"]
    assert (auth.mchid, auth.serial_no, auth.timestamp, auth.nonce) == (
        VECTORS["mchid"],
        VECTORS["merchant_serial"],
        str(v["timestamp"]),
        v["nonce"],
    )


@pytest.mark.parametrize("header", [None, "Bearer abc", f'{SCHEMA} mchid="1",nonce_str="n",timestamp="1"'])
def test_parse_authorization_rejects_missing_or_incomplete_header(header: str | None) -> None:
    with pytest.raises(SignatureRejected) as caught:
        parse_authorization(header)
    assert caught.value.reason == "missing_header"


def test_pay_sign_matches_openssl_vector() -> None:
    v = VECTORS["pay_sign"]
    package = f"prepay_id={v['prepay_id']}"
    assert rsa_sign(MERCHANT_KEY, v["appid"], v["timestamp"], v["nonce"], package) == v["signature"]


def test_payment_arguments_are_signed_for_wx_request_payment() -> None:
    args = make_merchant().payment_arguments("wx2025010108000000000001")
    rsa_verify(
        MERCHANT_KEY.public_key(),
        args.pay_sign,
        "wx00sandbox0000001",
        args.time_stamp,
        args.nonce_str,
        args.package,
    )
    assert args.package == "prepay_id=wx2025010108000000000001"
    assert args.sign_type == "RSA"


def test_notification_vector_verifies_and_decrypts() -> None:
    notification = make_merchant().parse_notification(notification_headers(), NOTIFY["body"].encode())
    assert notification.event_type == "TRANSACTION.SUCCESS"
    assert isinstance(notification.resource, Transaction)
    assert notification.resource.out_trade_no == "SQ20250101000001"
    assert notification.resource.amount is not None
    assert notification.resource.amount.total == 8800
    assert notification.resource.trade_state == "SUCCESS"


def test_notification_accepts_lower_case_header_names() -> None:
    headers = {k.lower(): v for k, v in notification_headers().items()}
    make_merchant().parse_notification(headers, NOTIFY["body"].encode())


@pytest.mark.parametrize(
    ("headers", "body", "now", "reason"),
    [
        pytest.param({}, TAMPERED, NOTIFIED_AT, "bad_signature", id="tampered"),
        pytest.param(
            {}, json.dumps(json.loads(NOTIFY["body"])), NOTIFIED_AT, "bad_signature", id="reserialised"
        ),
        pytest.param({}, NOTIFY["body"], NOTIFIED_AT + 301, "stale", id="301s-late"),
        pytest.param({}, NOTIFY["body"], NOTIFIED_AT - 301, "stale", id="301s-early"),
        pytest.param(
            {"Wechatpay-Serial": "PUB_KEY_ID_9"}, NOTIFY["body"], NOTIFIED_AT, "unknown_key", id="serial"
        ),
        pytest.param({"Wechatpay-Timestamp": "soon"}, NOTIFY["body"], NOTIFIED_AT, "bad_timestamp", id="ts"),
        pytest.param({"Wechatpay-Signature": "!!"}, NOTIFY["body"], NOTIFIED_AT, "bad_signature", id="b64"),
    ],
)
def test_notification_tampering_is_rejected_with_its_reason(
    headers: dict[str, str], body: str, now: float, reason: str
) -> None:
    with pytest.raises(SignatureRejected) as caught:
        make_merchant(now=now).parse_notification(notification_headers(**headers), body.encode())
    assert caught.value.reason == reason


def test_notification_within_300_seconds_is_accepted() -> None:
    make_merchant(now=NOTIFIED_AT + 300).parse_notification(notification_headers(), NOTIFY["body"].encode())


def test_notification_without_signature_header_is_rejected() -> None:
    headers = notification_headers()
    del headers["Wechatpay-Signature"]
    with pytest.raises(SignatureRejected) as caught:
        make_merchant().parse_notification(headers, NOTIFY["body"].encode())
    assert caught.value.reason == "missing_header"


def test_notification_signed_by_another_key_is_rejected() -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    signature = rsa_sign(other, NOTIFY["timestamp"], NOTIFY["nonce"], NOTIFY["body"])
    with pytest.raises(SignatureRejected) as caught:
        make_merchant().parse_notification(
            notification_headers(**{"Wechatpay-Signature": signature}), NOTIFY["body"].encode()
        )
    assert caught.value.reason == "bad_signature"


def test_notification_under_wrong_apiv3_key_is_undecryptable() -> None:
    merchant = make_merchant(apiv3_key=b"x" * 32)
    with pytest.raises(ResourceUndecryptable):
        merchant.parse_notification(notification_headers(), NOTIFY["body"].encode())


def test_genuine_notification_for_another_merchant_is_refused() -> None:
    with pytest.raises(MerchantMismatch) as caught:
        make_merchant(mchid="1900000999").parse_notification(notification_headers(), NOTIFY["body"].encode())
    assert caught.value.field == "mchid"


def test_genuine_notification_for_another_appid_is_refused() -> None:
    with pytest.raises(MerchantMismatch) as caught:
        make_merchant(appid="wx00another0000001").parse_notification(
            notification_headers(), NOTIFY["body"].encode()
        )
    assert caught.value.field == "appid"
