"""Refunds full and partial with their notifications, a late payment refunded automatically, the
owner told once, and reconciliation finding what was injected into a twin's bill."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import httpx
import msgspec
import pytest

from backend.payment.errors import PlatformUnavailable
from backend.payment.owners import PaymentNotice, owner_handler, topic
from backend.payment.reconciliation import Reconciliation
from backend.payment.tables import PaymentOrder
from tests.backend.payment.factories import (
    buyer_pays,
    deliver,
    last_notification,
    make_payer,
    payments,
    place,
    refunds,
    tell_owners,
    wechat_twin,
)
from tests.services import Services

BEIJING = timezone(timedelta(hours=8))


async def _paid(services: Services, client: httpx.AsyncClient, amount_fen: int = 1000) -> Any:
    payer = await make_payer(client)
    created = await place(services, payer, amount_fen=amount_fen)
    await buyer_pays(client, created.order.out_trade_no)
    assert (await deliver(client, last_notification(services))).status_code == 204
    return created.order


async def test_partial_then_full_refund_with_their_notifications(
    services: Services, client: httpx.AsyncClient
) -> None:
    order = await _paid(services, client, 1000)
    first = await refunds(services).refund(order.id, amount_fen=300, reason="部分退款", by="staff:test")
    assert first.status == "requested"  # WeChat answers PROCESSING; its notification settles it
    notice = last_notification(services)
    for _ in range(3):
        assert (await deliver(client, notice)).status_code == 204
    assert (await payments(services).get(order.id)).status == "partially_refunded"
    await refunds(services).refund(order.id, amount_fen=700, reason="余额退款", by="staff:test")
    await refunds(services).sweep(now=datetime.now(UTC) + timedelta(minutes=5))  # the query settles it
    settled = await payments(services).get(order.id)
    assert (settled.status, settled.refunded_fen) == ("refunded", 1000)
    kinds = [event.kind for event in await payments(services).ledger(order.id)]
    assert kinds.count("refunded") == 2


async def test_a_refund_past_what_was_paid_is_refused(services: Services, client: httpx.AsyncClient) -> None:
    order = await _paid(services, client, 500)
    from backend.payment.errors import RefundExceedsPaid

    await refunds(services).refund(order.id, amount_fen=400, reason="退款", by="staff:test")
    try:
        await refunds(services).refund(order.id, amount_fen=101, reason="退款", by="staff:test")
    except RefundExceedsPaid:
        pass
    else:
        raise AssertionError("refunded more than was paid")


async def test_a_payment_after_the_order_was_closed_is_refunded_automatically(
    services: Services, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    payer = await make_payer(client)
    created = await place(services, payer, amount_fen=800)
    platforms = payments(services).platforms

    async def down(*_: Any, **__: Any) -> Any:
        raise PlatformUnavailable()

    # The TTL passes while the platform can't be reached (patched, not faulted: a faulted twin
    # would open the session's circuit breaker for every later test): closed here, not there.
    with monkeypatch.context() as patched:
        patched.setattr(platforms, "query", down)
        patched.setattr(platforms, "close", down)
        await payments(services).sweep(now=created.order.expires_at + timedelta(seconds=1))
    closed = await payments(services).get(created.order.id)
    assert (closed.status, closed.platform_closed) == ("closed", False)
    await buyer_pays(client, created.order.out_trade_no)  # the citizen paid anyway
    assert (await deliver(client, last_notification(services))).status_code == 204
    assert (await deliver(client, last_notification(services))).status_code == 204  # REFUND.SUCCESS
    refunded = await payments(services).get(created.order.id)
    assert (refunded.status, refunded.refunded_fen) == ("refunded", 800)
    twin_refunds = [
        r
        for r in wechat_twin(services).refunds.values()
        if r["refund"]["out_trade_no"] == refunded.out_trade_no
    ]
    assert [r["refund"]["amount"]["refund"] for r in twin_refunds] == [800]
    found = await services.wiring.get(Reconciliation).discrepancies(status="open", limit=500)
    assert "late_payment" in {row.kind for row in found if row.out_trade_no == refunded.out_trade_no}


async def test_an_unpaid_order_expires_and_is_closed_at_the_platform(
    services: Services, client: httpx.AsyncClient
) -> None:
    payer = await make_payer(client)
    created = await place(services, payer)
    await payments(services).sweep(now=created.order.expires_at + timedelta(seconds=1))
    closed = await payments(services).get(created.order.id)
    assert (closed.status, closed.platform_closed) == ("closed", True)
    assert wechat_twin(services).orders[created.order.out_trade_no].trade_state == "CLOSED"


async def test_the_owner_is_told_of_the_payment_exactly_once(
    services: Services, client: httpx.AsyncClient
) -> None:
    told: list[PaymentNotice] = []

    async def owner(notice: PaymentNotice) -> None:
        told.append(notice)

    name = f"once-{uuid.uuid4().hex[:8]}"
    payer = await make_payer(client)
    created = await place(services, payer, owner=name)
    await buyer_pays(client, created.order.out_trade_no)
    for _ in range(5):
        await deliver(client, last_notification(services))
    await payments(services).query_and_settle(created.order)
    for _ in range(3):
        await tell_owners(services, {topic(name): owner_handler(owner)})
    assert [(n.event, n.order_id, n.paid_fen) for n in told] == [("paid", created.order.id, 1500)]


async def _yesterday(services: Services, order: Any) -> date:
    """Move a paid order to yesterday (Beijing), ours and the twin's, so yesterday's bill holds it."""
    yesterday = datetime.now(BEIJING).date() - timedelta(days=1)
    at = datetime(yesterday.year, yesterday.month, yesterday.day, 12, tzinfo=BEIJING)
    await PaymentOrder.update({PaymentOrder.paid_at: at}).where(PaymentOrder.id == order.id)
    twin_order = wechat_twin(services).orders[order.out_trade_no]
    twin_order.success_time = at.isoformat(timespec="seconds")
    return yesterday


async def test_reconciliation_finds_every_injected_bill_mismatch(
    services: Services, client: httpx.AsyncClient
) -> None:
    matching = await _paid(services, client, 1000)
    different = await _paid(services, client, 2000)
    missing_there = await _paid(services, client, 3000)
    day = await _yesterday(services, matching)
    await _yesterday(services, different)
    await _yesterday(services, missing_there)
    twin = wechat_twin(services)
    body = twin.orders[different.out_trade_no].body
    twin.orders[different.out_trade_no].body = msgspec.structs.replace(
        body, amount=msgspec.structs.replace(body.amount, total=1999)
    )
    twin.orders[missing_there.out_trade_no].success_time = None
    stranger = f"ghost{day:%Y%m%d}"
    twin.bill_overrides[day.isoformat()] = [
        {
            "交易时间": f"{day} 13:00:00",
            "公众账号ID": twin.appid,
            "商户号": twin.mchid,
            "微信订单号": "4200" + "9" * 24,
            "商户订单号": stranger,
            "交易状态": "SUCCESS",
            "应结订单金额": "5.00",
            "订单金额": "5.00",
        }
    ]
    report = await services.wiring.get(Reconciliation).run("wechatpay", day)
    found = {
        (row.kind, row.out_trade_no, row.ours_fen, row.theirs_fen)
        for row in await services.wiring.get(Reconciliation).discrepancies(status="open", limit=500)
        if row.bill_date == day
    }
    assert ("amount_mismatch", different.out_trade_no, 2000, 1999) in found
    assert ("missing_theirs", missing_there.out_trade_no, 3000, None) in found
    assert ("missing_ours", stranger, None, 500) in found
    assert not any(row[1] == matching.out_trade_no for row in found)
    assert report.matched >= 1
    again = await services.wiring.get(Reconciliation).run("wechatpay", day)  # findings are listed once
    after = await services.wiring.get(Reconciliation).discrepancies(status="open", limit=500)
    assert len([row for row in after if row.bill_date == day]) == len(found)
    assert again.discrepancies == report.discrepancies


async def test_a_manual_reconciliation_and_settling_its_findings_are_audited_with_the_operator(
    services: Services, client: httpx.AsyncClient
) -> None:
    order = await _paid(services, client, 1000)
    day = await _yesterday(services, order)
    twin = wechat_twin(services)
    twin.bill_overrides[day.isoformat()] = [
        {
            "交易时间": f"{day} 13:00:00", "公众账号ID": twin.appid, "商户号": twin.mchid,
            "微信订单号": "4200" + "8" * 24, "商户订单号": f"{kind}{uuid.uuid4().hex[:12]}",
            "交易状态": "SUCCESS", "应结订单金额": "5.00", "订单金额": "5.00",
        }
        for kind in ("fix", "skip")
    ]  # fmt: skip
    operator = f"staff:{uuid.uuid4()}"
    reconciliation = services.wiring.get(Reconciliation)
    report = await reconciliation.run("wechatpay", day, by=operator)
    entries = await services.audit.of_subject("payment", f"bill:wechatpay:{day.isoformat()}")
    (ran,) = [e for e in entries if e.actor == operator]
    assert (ran.action, msgspec.json.decode(ran.data)["discrepancies"]) == (
        "payment.reconciled",
        report.discrepancies,
    )

    open_ = await reconciliation.discrepancies(status="open", limit=500)
    fix, skip = (
        next(r for r in open_ if r.bill_date == day and r.out_trade_no.startswith(k)) for k in ("fix", "skip")
    )
    await reconciliation.resolve(fix.id, status="resolved", note="补记账", by=operator)
    await reconciliation.resolve(skip.id, status="dismissed", note="测试单", by=operator)
    for row, action in ((fix, "payment.discrepancy_resolved"), (skip, "payment.discrepancy_dismissed")):
        (entry,) = await services.audit.of_subject("payment", f"discrepancy:{row.id}")
        assert (entry.actor, entry.action) == (operator, action)
