"""Refunds, full and partial: reserved against what was paid by a conditional UPDATE, asked of the
platform under our ``out_refund_no`` (its idempotency key: a retry is the same refund), settled once
by whichever arrives first — the platform's answer, its refund notification, or the refund query."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

from piccolo.engine.base import Engine

from backend.audit.service import AuditLog
from backend.clock import Clock
from backend.database import transaction
from backend.payment.errors import OrderNotRefundable, RefundExceedsPaid, RefundNotFound
from backend.payment.ledger import PAID, EventKind
from backend.payment.platforms import PlatformRefund
from backend.payment.records import RefundRepository, RefundRow
from backend.payment.repository import OrderRepository, OrderRow
from backend.payment.service import PaymentService

log = logging.getLogger("backend.payment")

# A refund the platform has not confirmed for this long is asked about again.
REFUND_QUERY_AFTER = timedelta(seconds=30)


class RefundService:
    def __init__(
        self,
        *,
        payments: PaymentService,
        orders: OrderRepository,
        refunds: RefundRepository,
        audit: AuditLog,
        clock: Clock,
        engine: Engine[Any],
    ) -> None:
        self._payments = payments
        self._orders = orders
        self._refunds = refunds
        self._audit = audit
        self._clock = clock
        self._engine = engine
        payments.refund_late = self._refund_late

    async def refund(self, order_id: uuid.UUID, *, amount_fen: int, reason: str, by: str) -> RefundRow:
        """Refund ``amount_fen`` of a paid order (several partial refunds may follow each other)."""
        order = await self._payments.get(order_id)
        if type(amount_fen) is not int or amount_fen <= 0:
            raise RefundExceedsPaid()
        refund = await self._request(
            order,
            amount_fen=amount_fen,
            reason=reason,
            by=by,
            out_refund_no=f"{order.out_trade_no[:24]}R{uuid.uuid4().hex[:7]}",
        )
        return await self._ask(order, refund)

    async def _refund_late(self, order: OrderRow) -> None:
        await self.refund_in_full(order.id, tag="LATE", reason="订单已关闭，自动退款")

    async def refund_in_full(self, order_id: uuid.UUID, *, tag: str, reason: str) -> None:
        """The system's one automatic full refund of ``order_id`` for the cause ``tag`` (4 ASCII
        letters): its refund number is fixed, so calling it again — a retried job, a replayed
        notification — finds it made and only asks the platform again while it is unanswered."""
        order = await self._payments.get(order_id)
        out_refund_no = f"{order.out_trade_no[:24]}{tag}"
        if await self._refunds.find(out_refund_no) is None:
            try:
                await self._request(
                    order, amount_fen=order.paid_fen, reason=reason, by="system", out_refund_no=out_refund_no
                )
            except (RefundExceedsPaid, OrderNotRefundable):
                return
        refund = await self._refunds.find(out_refund_no)
        if refund is not None and refund.status == "requested":
            try:
                await self._ask(order, refund)
            except Exception:
                log.exception("late payment refund %s not asked yet; the sweep retries", out_refund_no)

    async def _request(
        self, order: OrderRow, *, amount_fen: int, reason: str, by: str, out_refund_no: str
    ) -> RefundRow:
        now = self._clock.now()
        row = RefundRow(
            id=uuid.uuid4(),
            order_id=order.id,
            out_refund_no=out_refund_no,
            amount_fen=amount_fen,
            reason=reason[:80],
            status="requested",
            refund_id=None,
            requested_by=by,
            created_at=now,
            settled_at=None,
        )
        async with transaction(self._engine):
            if not await self._orders.reserve_refund(order.id, amount_fen):
                current = await self._payments.get(order.id)
                if current.status not in PAID:
                    raise OrderNotRefundable()
                raise RefundExceedsPaid()
            await self._refunds.insert(row)
            await self._orders.append(
                order.id,
                kind="refund_requested",
                amount_fen=amount_fen,
                reference=out_refund_no,
                source="request",
                now=now,
            )
            await self._audit.append(
                actor=by,
                action="payment.refund_requested",
                subject=f"order:{order.id}",
                data={"amount_fen": amount_fen, "out_refund_no": out_refund_no},
                chain="payment",
            )
        return row

    async def _ask(self, order: OrderRow, refund: RefundRow) -> RefundRow:
        answer = await self._payments.platforms.refund(
            order.platform,
            out_trade_no=order.out_trade_no,
            out_refund_no=refund.out_refund_no,
            amount_fen=refund.amount_fen,
            total_fen=order.paid_fen,
            reason=refund.reason,
        )
        await self.settle(refund.out_refund_no, answer, source="request")
        found = await self._refunds.find(refund.out_refund_no)
        assert found is not None
        return found

    async def settle(self, out_refund_no: str, answer: PlatformRefund, *, source: str) -> bool:
        """Settle a refund once: succeeded (the order's refunded total and state move, the owner is
        told) or failed (the reservation is released, operators see it). False when nothing changed."""
        if answer.status == "processing":
            return False
        refund = await self._refunds.find(out_refund_no)
        if refund is None:
            raise RefundNotFound()
        order = await self._payments.get(refund.order_id)
        now = self._clock.now()
        succeeded = answer.status == "succeeded"
        async with transaction(self._engine):
            if not await self._refunds.settle(
                out_refund_no, status=answer.status, refund_id=answer.refund_id, now=now
            ):
                return False
            kind: EventKind = "refunded" if succeeded else "refund_failed"
            await self._orders.append(
                order.id,
                kind=kind,
                amount_fen=refund.amount_fen,
                reference=out_refund_no,
                source=source,
                now=now,
            )
            if succeeded:
                state = await self._orders.refunded(order.id, refund.amount_fen)
                if order.status != "refunding" and state != "refunding":
                    await self._payments.notices.owe(
                        self._payments.notice(
                            order,
                            "refunded",
                            paid_fen=order.paid_fen,
                            refunded_fen=order.refunded_fen + refund.amount_fen,
                            transaction_id=order.transaction_id,
                            now=now,
                            reference=out_refund_no,
                        )
                    )
            else:
                await self._orders.release_refund(order.id, refund.amount_fen)
            await self._audit.append(
                actor=f"platform:{order.platform}",
                action=f"payment.{kind}",
                subject=f"order:{order.id}",
                data={"amount_fen": refund.amount_fen, "out_refund_no": out_refund_no, "source": source},
                chain="payment",
            )
        if succeeded:
            self._payments.notices.wake()
        if not succeeded:
            await self._payments.raise_discrepancy(
                "refund_failed",
                order=order,
                reference=out_refund_no,
                ours_fen=refund.amount_fen,
                theirs_fen=None,
                detail="the platform refused or closed the refund",
            )
        return True

    async def of_order(self, order_id: uuid.UUID) -> list[RefundRow]:
        return await self._refunds.of_order(order_id)

    async def sweep(self, *, now: datetime | None = None, limit: int = 100) -> None:
        """Ask again about refunds the platform has not confirmed (lost answer, lost notification,
        or never asked: the process died after reserving)."""
        now = now or self._clock.now()
        for refund in await self._refunds.unsettled(now - REFUND_QUERY_AFTER, limit=limit):
            order = await self._payments.get(refund.order_id)
            try:
                answer = await self._payments.platforms.query_refund(
                    order.platform, out_trade_no=order.out_trade_no, out_refund_no=refund.out_refund_no
                )
                if answer.status == "failed" or (
                    answer.status == "processing" and order.platform == "alipay"
                ):
                    # Unknown to the platform (never asked): ask now, under the same number.
                    await self._ask(order, refund)
                else:
                    await self.settle(refund.out_refund_no, answer, source="query")
            except Exception:
                log.exception("refund %s not settled; the next sweep retries", refund.out_refund_no)
