"""Utility bills over HTTP: link an account, read its bills, pay one through WeChat Pay, and the
utility told of the payment exactly once, with its receipt; a bill the utility no longer takes is
refunded."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import msgspec

from backend.utility.service import UtilityService
from integrations.utility import sandbox_account_no
from integrations.utility.twin import UtilityState
from tests.backend.payment.factories import (
    Payer,
    buyer_pays,
    deliver,
    last_notification,
    make_payer,
    payments,
    refunds,
    tell_owners,
)
from tests.services import Services


async def test_a_water_bill_is_paid_and_the_utility_told_once(
    services: Services, client: httpx.AsyncClient
) -> None:
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
        await tell_owners(services)
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


async def _paid_bill(services: Services, client: httpx.AsyncClient, payer: Payer, n: int) -> dict[str, Any]:
    """A linked gas account's unpaid bill, paid by ``payer`` (the notification taken): its payment."""
    linked = await client.post(
        "/api/v1/utilities/accounts",
        json={"kind": "gas", "account_no": sandbox_account_no("gas", n)},
        headers=payer.headers,
    )
    assert linked.status_code == 201, linked.text
    account_id = linked.json()["id"]
    bills = (await client.get(f"/api/v1/utilities/accounts/{account_id}/bills", headers=payer.headers)).json()
    unpaid = next(bill for bill in bills["items"] if bill["status"] == "unpaid")
    started = await client.post(
        f"/api/v1/utilities/accounts/{account_id}/payments",
        json={"bill_no": unpaid["bill_no"], "channel": "wechat_jsapi"},
        headers=payer.headers,
    )
    assert started.status_code == 201, started.text
    order = await payments(services).get(started.json()["payment"]["order_id"])
    await buyer_pays(client, order.out_trade_no)
    assert (await deliver(client, last_notification(services))).status_code == 204
    payment: dict[str, Any] = started.json()["payment"]
    return payment


async def test_a_bill_paid_elsewhere_meanwhile_is_refused_by_the_utility_and_refunded_once(
    services: Services, client: httpx.AsyncClient
) -> None:
    payer = await make_payer(client)
    payment = await _paid_bill(services, client, payer, 5)
    sandbox = services.upstreams.sandbox
    assert sandbox is not None
    state = sandbox.state("utility")
    assert isinstance(state, UtilityState)
    # Paid at the utility's counter between our order and our advice: it answers ``bill_paid``.
    state.bills[payment["bill_no"]] = msgspec.structs.replace(state.bills[payment["bill_no"]], status="paid")
    await tell_owners(services)
    read = await client.get(f"/api/v1/utilities/payments/{payment['id']}", headers=payer.headers)
    assert (read.json()["status"], read.json()["receipt_no"]) == ("refused", "")
    order_id = uuid.UUID(payment["order_id"])
    made = await refunds(services).of_order(order_id)
    assert [(r.amount_fen, r.requested_by, r.out_refund_no[-4:]) for r in made] == [
        (payment["amount_fen"], "system", "UREF")
    ]
    # The job run again (a worker died before marking it done): still one refund.
    on_payment = services.wiring.get(UtilityService).on_payment
    order = await payments(services).get(order_id)
    notice = payments(services).notice(
        order,
        "paid",
        paid_fen=order.paid_fen,
        refunded_fen=0,
        transaction_id=order.transaction_id,
        now=order.created_at,
    )
    await on_payment(notice)
    assert len(await refunds(services).of_order(order_id)) == 1
