"""Utility bills over HTTP: link an account, read its bills, pay one through WeChat Pay, and the
utility told of the payment exactly once, with its receipt."""

from __future__ import annotations

import httpx

from backend.utility.service import UtilityService
from integrations.utility import sandbox_account_no
from tests.backend.payment.factories import buyer_pays, deliver, last_notification, make_payer, payments
from tests.services import Services


async def test_a_water_bill_is_paid_and_the_utility_told_once(
    services: Services, client: httpx.AsyncClient
) -> None:
    services.wiring.get(UtilityService)  # registered as the payment owner "utility"
    payer = await make_payer(client)
    account_no = sandbox_account_no("water", 4)
    linked = await client.post(
        "/api/v1/utilities/accounts", json={"kind": "water", "account_no": account_no}, headers=payer.headers
    )
    assert linked.status_code == 201, linked.text
    again = await client.post(
        "/api/v1/utilities/accounts", json={"kind": "water", "account_no": account_no}, headers=payer.headers
    )
    assert again.json()["code"] == "utility.account_linked"
    account_id = linked.json()["id"]
    bills = (await client.get(f"/api/v1/utilities/accounts/{account_id}/bills", headers=payer.headers)).json()
    unpaid = next(bill for bill in bills["items"] if bill["status"] == "unpaid")
    body = {"bill_no": unpaid["bill_no"], "channel": "wechat_jsapi"}
    started = await client.post(
        f"/api/v1/utilities/accounts/{account_id}/payments", json=body, headers=payer.headers
    )
    assert started.status_code == 201, started.text
    twice = await client.post(
        f"/api/v1/utilities/accounts/{account_id}/payments", json=body, headers=payer.headers
    )
    assert twice.json()["payment"]["order_id"] == started.json()["payment"]["order_id"]
    order = await payments(services).get(started.json()["payment"]["order_id"])
    assert order.amount_fen == unpaid["amount_fen"]
    await buyer_pays(client, order.out_trade_no)
    for _ in range(3):
        assert (await deliver(client, last_notification(services))).status_code == 204
    for _ in range(3):
        await payments(services).notices.deliver_due()
    receipt = await client.get(
        f"/api/v1/utilities/payments/{started.json()['payment']['id']}", headers=payer.headers
    )
    assert (receipt.json()["status"], receipt.json()["receipt_no"][:2]) == ("settled", "RC")
    sandbox = services.upstreams.sandbox
    assert sandbox is not None
    taken = [
        r
        for r in (await client.get("/_sandbox/utility/payments")).json()
        if r["bill_no"] == unpaid["bill_no"]
    ]
    assert len(taken) == 1
    after = (await client.get(f"/api/v1/utilities/accounts/{account_id}/bills", headers=payer.headers)).json()
    assert next(b for b in after["items"] if b["bill_no"] == unpaid["bill_no"])["status"] == "paid"
