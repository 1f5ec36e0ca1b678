"""A utility bill paid end to end over HTTP on the embedded default (SQLite + in-process store +
sandbox): a citizen registers, links their WeChat mini-program user and their water account, pays
this month's bill in the (sandbox) cashier; the platform's notification reaches the backend, the
utility takes the payment once and its receipt is shown."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from integrations.utility import sandbox_account_no
from tests.smoke.payers import wechat_payer
from tests.smoke.server import free_port, serve

pytestmark = pytest.mark.embedded


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("utility")


def test_a_water_bill_is_paid_end_to_end_on_the_embedded_default(data_dir: Path) -> None:
    with serve(data_dir, free_port()) as base, httpx.Client(base_url=base) as web:
        _, citizen = wechat_payer(web)

        account = web.post(
            "/api/v1/utilities/accounts",
            json={"kind": "water", "account_no": sandbox_account_no("water", 5)},
            headers=citizen,
        )
        assert account.status_code == 201, account.text
        account_id = account.json()["id"]
        bills = web.get(f"/api/v1/utilities/accounts/{account_id}/bills", headers=citizen).json()["items"]
        bill = next(b for b in bills if b["status"] == "unpaid")
        started = web.post(
            f"/api/v1/utilities/accounts/{account_id}/payments",
            json={"bill_no": bill["bill_no"], "channel": "wechat_jsapi"},
            headers={**citizen, "Idempotency-Key": "pay-water-1"},
        )
        assert started.status_code == 201, started.text
        assert set(started.json()["pay_arguments"]) == {
            "timeStamp",
            "nonceStr",
            "package",
            "signType",
            "paySign",
        }
        order_id = started.json()["payment"]["order_id"]
        order = web.get(f"/api/v1/payments/orders/{order_id}", headers=citizen).json()
        assert (order["status"], order["amount_fen"]) == ("pending", bill["amount_fen"])

        paid = web.post(
            f"/_sandbox/wechatpay/sandbox/orders/{order['out_trade_no']}/pay"
        )  # wx.requestPayment
        assert paid.status_code == 200, paid.text
        payment_id = started.json()["payment"]["id"]
        deadline = time.monotonic() + 20
        receipt = web.get(f"/api/v1/utilities/payments/{payment_id}", headers=citizen).json()
        while receipt["status"] != "settled" and time.monotonic() < deadline:
            time.sleep(0.2)
            receipt = web.get(f"/api/v1/utilities/payments/{payment_id}", headers=citizen).json()
        assert receipt["status"] == "settled", receipt
        assert receipt["receipt_no"].startswith("RC")
        assert web.get(f"/api/v1/payments/orders/{order_id}", headers=citizen).json()["status"] == "paid"
        taken = [r for r in web.get("/_sandbox/utility/payments").json() if r["bill_no"] == bill["bill_no"]]
        assert len(taken) == 1
        after = web.get(f"/api/v1/utilities/accounts/{account_id}/bills", headers=citizen).json()["items"]
        assert next(b for b in after if b["bill_no"] == bill["bill_no"])["status"] == "paid"
