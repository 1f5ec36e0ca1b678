"""Alipay through ``python-alipay-sdk`` (fzlee): the SDK signs every gateway call (a GET, as it
sends them), verifies every answer's RSA2 signature and the notifications itself; only its gateway
host is changed to the twin's. Login (``alipay.system.oauth.token``), the ``my.getPhoneNumber``
envelope, and a whole trade: created, paid and notified, queried, refunded, the refund queried;
another trade closed; 卡包 passes through the SDK's generic ``server_api``."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qsl

import alipay
import httpx
import pytest
from alipay import AliPay
from alipay.exceptions import AliPayException
from Cryptodome.Cipher import AES
from Cryptodome.Util.Padding import unpad
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from integrations import UpstreamConfig
from integrations.alipay import (
    load_private_key,
    load_public_key,
    sandbox_mobile,
    sandbox_open_id,
    sandbox_user_id,
)
from integrations.payments.alipay_trade import SANDBOX_MOBILE_APP_ID, AlipayPayments

NOTIFY_URL = "https://suqian.example/mp/v1/payments/alipay/notify"
_BEIJING = timezone(timedelta(hours=8))


class _BeijingDatetime(datetime):
    """The SDK stamps ``timestamp`` with the host's local time and the gateway reads it as Beijing
    time: an integrator runs it in Asia/Shanghai. This machine runs UTC, so the SDK's clock is
    pinned to Beijing (only the SDK module's name is replaced; the process stays as it is)."""

    @classmethod
    def now(cls, tz: Any = None) -> Any:
        return datetime.now(UTC).astimezone(_BEIJING).replace(tzinfo=None)


@pytest.fixture(autouse=True)
def _sdk_in_beijing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(alipay, "datetime", _BeijingDatetime)


def _pem(bare: str) -> str:
    """The console shows Alipay's public key as bare base64; the SDK loads PEM."""
    return f"-----BEGIN PUBLIC KEY-----\n{bare}\n-----END PUBLIC KEY-----"


def _keys(sandbox_url: str) -> dict[str, str]:
    keys: dict[str, str] = httpx.get(f"{sandbox_url}/alipay/sandbox-keys", trust_env=False).json()
    return keys


def _sdk(sandbox_url: str, twin: str, *, app_private_key: str | None = None) -> Any:
    keys = _keys(sandbox_url)
    client = AliPay(
        appid=keys["app_id"],
        app_notify_url=NOTIFY_URL,
        app_private_key_string=app_private_key or keys["app_private_key"],
        alipay_public_key_string=_pem(keys["alipay_public_key"]),
        sign_type="RSA2",
    )
    client._gateway = f"{sandbox_url}/{twin}/gateway.do"  # the only change: the host
    return client


def _suffix() -> str:
    return uuid.uuid4().hex[:12]


def test_login_exchanges_an_auth_code_once(sandbox_url: str) -> None:
    sdk = _sdk(sandbox_url, "alipay")
    code = f"test-auth-7-{_suffix()}"
    token = sdk.server_api("alipay.system.oauth.token", grant_type="authorization_code", code=code)
    assert (token["open_id"], token["user_id"]) == (sandbox_open_id(7), sandbox_user_id(7))
    assert token["access_token"]

    refreshed = sdk.server_api(
        "alipay.system.oauth.token", grant_type="refresh_token", refresh_token=token["refresh_token"]
    )
    assert refreshed["open_id"] == sandbox_open_id(7)

    with pytest.raises(AliPayException) as reused:  # error_response: the SDK raises
        sdk.server_api("alipay.system.oauth.token", grant_type="authorization_code", code=code)
    assert '"sub_code":"isv.code-invalid"' in str(reused.value)


def test_phone_number_envelope_verifies_with_the_sdk_and_decrypts(sandbox_url: str) -> None:
    sdk = _sdk(sandbox_url, "alipay")
    envelope = httpx.get(f"{sandbox_url}/alipay/phone-response", params={"n": 31}, trust_env=False).json()
    assert (envelope["sign_type"], envelope["encrypt_type"]) == ("RSA2", "AES")
    # Alipay signs the ciphertext as the JSON string it is, quotes included.
    assert sdk._verify(f'"{envelope["response"]}"', envelope["sign"])
    assert not sdk._verify(f'"{envelope["response"][:-4]}AAA="', envelope["sign"])
    key = base64.b64decode(_keys(sandbox_url)["aes_key"])
    cipher = AES.new(key, AES.MODE_CBC, iv=bytes(16))  # Alipay's documented zero IV
    plain = unpad(cipher.decrypt(base64.b64decode(envelope["response"])), 16)
    assert json.loads(plain) == {"code": "10000", "msg": "Success", "mobile": sandbox_mobile(31)}


def _create(sdk: Any, out_trade_no: str, total: str) -> dict[str, Any]:
    created: dict[str, Any] = sdk.api_alipay_trade_create(
        subject="宿迁博物馆门票",
        out_trade_no=out_trade_no,
        total_amount=total,
        buyer_open_id=sandbox_open_id(7),
        product_code="JSAPI_PAY",
    )
    return created


def _buyer_pays(sandbox_url: str, out_trade_no: str) -> httpx.Response:
    return httpx.post(f"{sandbox_url}/alipay_pay/sandbox/trades/{out_trade_no}/pay", trust_env=False)


def _last_notification(sandbox_url: str) -> tuple[str, dict[str, str]]:
    emitted = httpx.get(f"{sandbox_url}/alipay_pay/sandbox/notifications", trust_env=False).json()
    return emitted[-1]["url"], dict(parse_qsl(emitted[-1]["body"], keep_blank_values=True))


def test_trade_created_paid_queried_refunded_and_reconciled(sandbox_url: str) -> None:
    sdk = _sdk(sandbox_url, "alipay_pay")
    out_trade_no = f"SDK{_suffix()}"

    created = _create(sdk, out_trade_no, "88.00")
    assert (created["code"], created["out_trade_no"]) == ("10000", out_trade_no)

    assert _buyer_pays(sandbox_url, out_trade_no).status_code == 200
    url, form = _last_notification(sandbox_url)
    signature = form.pop("sign")
    assert url == NOTIFY_URL
    assert sdk.verify(form, signature)  # the SDK's own notification check
    assert (form["out_trade_no"], form["trade_status"], form["total_amount"]) == (
        out_trade_no, "TRADE_SUCCESS", "88.00",
    )  # fmt: skip

    trade = sdk.api_alipay_trade_query(out_trade_no=out_trade_no)
    assert (trade["code"], trade["trade_status"], trade["trade_no"]) == (
        "10000", "TRADE_SUCCESS", created["trade_no"],
    )  # fmt: skip

    refund = sdk.api_alipay_trade_refund(
        refund_amount="30.00", out_trade_no=out_trade_no, out_request_no="R1"
    )
    assert (refund["code"], refund["fund_change"], refund["refund_fee"]) == ("10000", "Y", "30.00")
    again = sdk.api_alipay_trade_refund(refund_amount="30.00", out_trade_no=out_trade_no, out_request_no="R1")
    assert (again["fund_change"], again["refund_fee"]) == ("N", "30.00")

    queried = sdk.api_alipay_trade_fastpay_refund_query(out_request_no="R1", out_trade_no=out_trade_no)
    assert (queried["code"], queried["refund_status"], queried["refund_amount"]) == (
        "10000", "REFUND_SUCCESS", "30.00",
    )  # fmt: skip
    never = sdk.api_alipay_trade_fastpay_refund_query(out_request_no="R9", out_trade_no=out_trade_no)
    assert never["code"] == "10000"
    assert "refund_amount" not in never  # Alipay's way of saying: no such refund

    rest = sdk.api_alipay_trade_refund(refund_amount="58.00", out_trade_no=out_trade_no, out_request_no="R2")
    assert rest["refund_fee"] == "88.00"
    assert sdk.api_alipay_trade_query(out_trade_no=out_trade_no)["trade_status"] == "TRADE_CLOSED"


def test_unpaid_trade_is_closed_and_a_paid_one_is_not(sandbox_url: str) -> None:
    sdk = _sdk(sandbox_url, "alipay_pay")
    unpaid, paid = f"SDKC{_suffix()}", f"SDKP{_suffix()}"
    _create(sdk, unpaid, "1.00")
    _create(sdk, paid, "1.00")
    assert _buyer_pays(sandbox_url, paid).status_code == 200

    closed = sdk.api_alipay_trade_close(out_trade_no=unpaid)
    assert (closed["code"], closed["out_trade_no"]) == ("10000", unpaid)
    assert sdk.api_alipay_trade_query(out_trade_no=unpaid)["trade_status"] == "TRADE_CLOSED"
    assert _buyer_pays(sandbox_url, unpaid).status_code == 409

    refused = sdk.api_alipay_trade_close(out_trade_no=paid)  # business refusals come back signed
    assert (refused["code"], refused["sub_code"]) == ("40004", "ACQ.TRADE_STATUS_ERROR")


def test_a_request_signed_by_another_app_key_is_refused(sandbox_url: str) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    sdk = _sdk(sandbox_url, "alipay_pay", app_private_key=other.decode())
    with pytest.raises(AliPayException) as caught:
        sdk.api_alipay_trade_query(out_trade_no="SDKX")
    assert '"sub_code":"isv.invalid-signature"' in str(caught.value)


_PASS_TEMPLATE: dict[str, Any] = {
    "logo": "https://suqian.example/static/logo.png",
    "content": {
        "evoucherInfo": {"title": "$title$", "type": "boardingPass", "product": "free"},
        "fileInfo": {"formatVersion": "2", "serialNumber": "$serialNumber$"},
        "platform": {"channelID": "$channelID$"},
    },
}


def test_pass_template_issue_and_close_through_the_sdks_generic_api(sandbox_url: str) -> None:
    """``alipay.pass.*`` has no named method in the SDK: ``server_api`` signs and verifies any method;
    ``tpl_content``, ``tpl_params`` and ``recognition_info`` go as JSON objects, as the docs show."""
    sdk = _sdk(sandbox_url, "alipay")
    app_id = _keys(sandbox_url)["app_id"]
    added = sdk.server_api(
        "alipay.pass.template.add",
        biz_content={"unique_id": f"sdk-{_suffix()}", "tpl_content": _PASS_TEMPLATE},
    )
    assert (added["code"], added["success"]) == ("10000", "true")
    template = json.loads(added["result"])
    assert set(template["tpl_params"]) == {"title", "serialNumber", "channelID"}

    user, serial = sandbox_user_id(77), f"SDK{_suffix()}"
    issue = {
        "tpl_id": template["tpl_id"],
        "tpl_params": {"title": "居民身份证", "serialNumber": serial, "channelID": app_id},
        "recognition_type": "2",
        "recognition_info": {"user_id": user},
    }
    issued = json.loads(sdk.server_api("alipay.pass.instance.add", biz_content=issue)["result"])
    assert (issued["serialNumber"], issued["operation"]) == (serial, "ADD")
    missing = sdk.server_api(
        "alipay.pass.instance.add", biz_content={**issue, "tpl_params": {"serialNumber": f"X{serial}"}}
    )  # a business refusal comes back signed in the method node
    assert (missing["code"], missing["sub_code"]) == ("40004", "KP.TPL_PARAMS_MISSING")

    closed = sdk.server_api(
        "alipay.pass.instance.update",
        biz_content={"serial_number": serial, "channel_id": app_id, "status": "CLOSED"},
    )
    assert json.loads(closed["result"])["passId"] == issued["passId"]
    shown = httpx.get(f"{sandbox_url}/alipay/passes", params={"user_id": user}, trust_env=False).json()
    assert [(p["serial_number"], p["status"]) for p in shown] == [(serial, "CLOSED")]


def test_app_pay_order_string_from_the_sdk_opens_the_cashier_and_is_paid(sandbox_url: str) -> None:
    """``alipay.trade.app.pay``: the SDK (as the mobile app's APPID) builds the signed order string
    with no gateway call; the Alipay app submits it, the trade opens and is paid, and the
    notification (under the mobile app's APPID) verifies with the SDK. Our adapter's string carries
    the same parameters."""
    keys = _keys(sandbox_url)
    sdk = AliPay(
        appid=SANDBOX_MOBILE_APP_ID,
        app_notify_url=NOTIFY_URL,
        app_private_key_string=keys["app_private_key"],
        alipay_public_key_string=_pem(keys["alipay_public_key"]),
        sign_type="RSA2",
    )
    out_trade_no = f"SDKA{_suffix()}"
    order_string = sdk.api_alipay_trade_app_pay(
        subject="宿迁水费", out_trade_no=out_trade_no, total_amount="42.50"
    )
    opened = httpx.post(
        f"{sandbox_url}/alipay_pay/sandbox/app-pay",
        content=order_string,
        headers={"content-type": "application/x-www-form-urlencoded;charset=utf-8"},
        trust_env=False,
    )
    assert (opened.status_code, opened.json()["trade_status"]) == (200, "WAIT_BUYER_PAY")

    assert _buyer_pays(sandbox_url, out_trade_no).status_code == 200
    _, form = _last_notification(sandbox_url)
    signature = form.pop("sign")
    assert sdk.verify(form, signature)
    assert (form["app_id"], form["out_trade_no"], form["total_amount"]) == (
        SANDBOX_MOBILE_APP_ID, out_trade_no, "42.50",
    )  # fmt: skip

    ours = AlipayPayments(
        UpstreamConfig(base_url=f"{sandbox_url}/alipay_pay"),
        app_id=keys["app_id"], mobile_app_id=SANDBOX_MOBILE_APP_ID,
        app_private_key=load_private_key(keys["app_private_key"]),
        alipay_public_key=load_public_key(keys["alipay_public_key"]),
    ).app_order_string(
        out_trade_no=out_trade_no, subject="宿迁水费", amount_fen=4250, notify_url=NOTIFY_URL
    )  # fmt: skip
    theirs, mine = dict(parse_qsl(order_string)), dict(parse_qsl(ours))
    # ``format`` is optional (JSON, its only value): Alipay's own example sends it, the SDK does not.
    assert theirs.keys() - {"notify_url"} == mine.keys() - {"notify_url", "format"}
    assert json.loads(theirs["biz_content"]) == json.loads(mine["biz_content"])
