"""Orders paid through WeChat Pay against the sandbox twin: created once per payable, settled once
however often the platform says so, and every bad notification refused with its own code and no
state change."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from backend.payment.errors import PlatformUnavailable
from backend.payment.ledger import derive
from tests.backend.payment.factories import (
    buyer_pays,
    deliver,
    forged,
    last_notification,
    make_payer,
    payments,
    place,
    transaction,
)
from tests.services import Services


async def _status(services: Services, order_id: Any) -> str:
    order = await payments(services).get(order_id)
    assert derive(await payments(services).ledger(order_id)) == order.status  # the cache is the ledger's
    return order.status


async def test_one_notification_replayed_100_times_changes_state_once(
    services: Services, client: httpx.AsyncClient
) -> None:
    payer = await make_payer(client)
    created = await place(services, payer)
    assert set(created.pay_arguments) == {"timeStamp", "nonceStr", "package", "signType", "paySign"}
    await buyer_pays(client, created.order.out_trade_no)
    notification = last_notification(services)
    answers = [await deliver(client, notification) for _ in range(100)]
    assert {answer.status_code for answer in answers} == {204}
    ledger = await payments(services).ledger(created.order.id)
    assert [event.kind for event in ledger] == ["created", "paid"]
    assert await _status(services, created.order.id) == "paid"
    read = await client.get(f"/api/v1/payments/orders/{created.order.id}", headers=payer.headers)
    assert (read.json()["status"], read.json()["paid_fen"]) == ("paid", 1500)


async def test_a_tampered_notification_is_refused_and_changes_nothing(
    services: Services, client: httpx.AsyncClient
) -> None:
    payer = await make_payer(client)
    created = await place(services, payer)
    await buyer_pays(client, created.order.out_trade_no)
    genuine = last_notification(services)
    tampered = genuine.body.replace('"summary":"', '"summary":"X', 1)
    answer = await client.post(
        "/api/v1/payments/notify/wechatpay", content=tampered.encode(), headers=genuine.headers
    )
    assert answer.status_code == 401
    assert answer.json() == {"code": "FAIL", "message": "payment.notification_signature_invalid"}
    assert await _status(services, created.order.id) == "pending"


async def test_a_stale_replay_is_refused_with_its_own_code(
    services: Services, client: httpx.AsyncClient
) -> None:
    payer = await make_payer(client)
    created = await place(services, payer)
    old = forged(services, transaction(services, created.order.out_trade_no, amount_fen=1500), age=400)
    answer = await deliver(client, old)
    assert (answer.status_code, answer.json()["message"]) == (401, "payment.notification_stale")
    assert await _status(services, created.order.id) == "pending"


async def test_an_amount_mismatch_is_refused_and_listed_for_operators(
    services: Services, client: httpx.AsyncClient
) -> None:
    payer = await make_payer(client)
    created = await place(services, payer, amount_fen=1500)
    short = transaction(services, created.order.out_trade_no, amount_fen=1)
    answer = await deliver(client, forged(services, short))
    assert (answer.status_code, answer.json()["message"]) == (422, "payment.notification_amount_mismatch")
    assert await _status(services, created.order.id) == "pending"
    found = [
        row
        for row in await services.wiring.get(_reconciliation()).discrepancies(status="open", limit=100)
        if row.out_trade_no == created.order.out_trade_no
    ]
    assert [(row.kind, row.ours_fen, row.theirs_fen) for row in found] == [("amount_mismatch", 1500, 1)]


async def test_a_transaction_id_another_order_holds_is_listed_not_recorded_and_not_a_500(
    services: Services, client: httpx.AsyncClient
) -> None:
    """A platform never reuses a transaction id; if one came (the sandbox twins of a multi-worker
    server once did), the second order is not marked paid by another order's payment: the unique
    index refuses it, nothing is recorded, and operators find a ``transaction_reused`` discrepancy."""
    payer = await make_payer(client)
    first = await place(services, payer)
    second = await place(services, payer)
    reused = "4200" + "7" * 24
    paid = transaction(services, first.order.out_trade_no, amount_fen=1500, transaction_id=reused)
    assert (await deliver(client, forged(services, paid))).status_code == 204
    again = transaction(services, second.order.out_trade_no, amount_fen=1500, transaction_id=reused)
    answers = [await deliver(client, forged(services, again)) for _ in range(2)]
    assert {answer.status_code for answer in answers} == {204}  # acknowledged: retrying changes nothing
    assert await _status(services, first.order.id) == "paid"
    assert await _status(services, second.order.id) == "pending"
    assert [event.kind for event in await payments(services).ledger(second.order.id)] == ["created"]
    found = [
        row
        for row in await services.wiring.get(_reconciliation()).discrepancies(status="open", limit=100)
        if row.out_trade_no == second.order.out_trade_no
    ]
    assert [(row.kind, row.reference) for row in found] == [("transaction_reused", reused)]


async def test_a_notification_for_another_merchant_or_no_order_is_refused(
    services: Services, client: httpx.AsyncClient
) -> None:
    unknown = forged(services, transaction(services, "0" * 32, amount_fen=100))
    answer = await deliver(client, unknown)
    assert (answer.status_code, answer.json()["message"]) == (404, "payment.notification_order_unknown")
    other = {**transaction(services, "1" * 32, amount_fen=100), "mchid": "1900009999"}
    answer = await deliver(client, forged(services, other))
    assert (answer.status_code, answer.json()["message"]) == (422, "payment.notification_not_ours")


async def test_a_crash_between_notification_and_state_change_is_completed_by_the_next_one(
    services: Services, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    payer = await make_payer(client)
    created = await place(services, payer)
    await buyer_pays(client, created.order.out_trade_no)
    service = payments(services)
    orders = service._orders
    real = orders.pay

    async def killed(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("killed between the ledger row and the order's state change")

    monkeypatch.setattr(orders, "pay", killed)
    with pytest.raises(RuntimeError):
        await service.settle_paid(
            created.order, transaction_id="4200" + "1" * 24, amount_fen=1500, source="notification"
        )
    assert [event.kind for event in await service.ledger(created.order.id)] == [
        "created"
    ]  # rolled back whole
    monkeypatch.setattr(orders, "pay", real)
    assert (await deliver(client, last_notification(services))).status_code == 204
    assert await _status(services, created.order.id) == "paid"


async def test_when_no_notification_comes_the_active_query_settles_the_order(
    services: Services, client: httpx.AsyncClient
) -> None:
    payer = await make_payer(client)
    created = await place(services, payer)
    await buyer_pays(client, created.order.out_trade_no)  # its notification is never delivered
    asked = await client.post(f"/api/v1/payments/orders/{created.order.id}/query", headers=payer.headers)
    assert (asked.status_code, asked.json()["status"]) == (200, "paid")
    # The late notification then changes nothing.
    assert (await deliver(client, last_notification(services))).status_code == 204
    assert [e.kind for e in await payments(services).ledger(created.order.id)] == ["created", "paid"]


async def test_a_second_pay_request_for_the_same_payable_returns_the_same_order(
    services: Services, client: httpx.AsyncClient
) -> None:
    payer = await make_payer(client)
    first = await place(services, payer, payable="bill-same-1")
    again = await place(services, payer, payable="bill-same-1")
    assert again.order.id == first.order.id


async def test_the_platform_down_at_create_is_a_503_and_no_order(
    services: Services, client: httpx.AsyncClient
) -> None:
    payer = await make_payer(client)
    await client.post("/_sandbox/wechatpay/faults", json={"down": True})
    try:
        with pytest.raises(PlatformUnavailable):
            await place(services, payer, payable="bill-down-1")
    finally:
        await client.post("/_sandbox/wechatpay/faults/reset")
    assert await payments(services).list_for(payer.id) == []


def _reconciliation() -> Any:
    from backend.payment.reconciliation import Reconciliation

    return Reconciliation
