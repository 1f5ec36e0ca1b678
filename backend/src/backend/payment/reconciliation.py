"""Daily reconciliation: each platform's bill of a day (Beijing time) against our ledger. Every
mismatch is listed for operators once (its key is unique): a line only the platform has
(``missing_ours``), an order or refund only we have (``missing_theirs``), another amount
(``amount_mismatch``)."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

import msgspec
from piccolo.engine.base import Engine

from backend.audit.service import AuditLog
from backend.clock import Clock
from backend.database import transaction
from backend.payment.errors import DiscrepancyNotFound, DiscrepancyResolved
from backend.payment.platforms import PaymentPlatforms
from backend.payment.records import DiscrepancyRepository, DiscrepancyRow, DiscrepancyStatus, RefundRepository
from backend.payment.repository import OrderRepository
from backend.payment.service import PaymentService

log = logging.getLogger("backend.payment")

_BEIJING = timezone(timedelta(hours=8))


class ReconciliationReport(msgspec.Struct, frozen=True, kw_only=True):
    platform: str
    bill_date: date
    lines: int
    matched: int
    discrepancies: int


def beijing_day(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=_BEIJING).astimezone(UTC)
    return start, start + timedelta(days=1)


class Reconciliation:
    def __init__(
        self,
        *,
        payments: PaymentService,
        orders: OrderRepository,
        refunds: RefundRepository,
        discrepancies: DiscrepancyRepository,
        platforms: PaymentPlatforms,
        audit: AuditLog,
        clock: Clock,
        engine: Engine[Any],
    ) -> None:
        self._payments = payments
        self._orders = orders
        self._refunds = refunds
        self._discrepancies = discrepancies
        self._platforms = platforms
        self._audit = audit
        self._clock = clock
        self._engine = engine

    def configured(self) -> list[str]:
        return [
            name
            for name, adapter in (
                ("wechatpay", self._platforms.wechatpay),
                ("alipay", self._platforms.alipay),
            )
            if adapter is not None
        ]

    async def run(
        self, platform: str, day: date, *, by: str = "system:reconciliation"
    ) -> ReconciliationReport:
        """Reconcile ``platform``'s bill of ``day``; safe to repeat (findings are listed once). Audited
        with ``by`` as the actor (an operator's manual run, or the daily one)."""
        lines = await self._platforms.bill(platform, day)
        start, end = beijing_day(day)
        ours = {order.out_trade_no: order for order in await self._orders.paid_on(platform, start, end)}
        found = matched = 0
        seen: set[str] = set()

        async def mismatch(
            kind: str, trade: str, reference: str, ours_fen: int | None, theirs_fen: int | None, detail: str
        ) -> None:
            nonlocal found
            found += 1
            await self._payments.raise_discrepancy(
                kind,  # type: ignore[arg-type]
                order=None,
                platform=platform,
                out_trade_no=trade,
                reference=reference,
                ours_fen=ours_fen,
                theirs_fen=theirs_fen,
                detail=detail,
                bill_date=day,
                key=f"bill:{platform}:{day.isoformat()}:{kind}:{trade}:{reference}",
            )

        for line in lines:
            if line.kind == "payment":
                seen.add(line.out_trade_no)
                order = ours.get(line.out_trade_no) or await self._orders.find_by_trade(line.out_trade_no)
                if order is None or order.transaction_id is None:
                    await mismatch(
                        "missing_ours",
                        line.out_trade_no,
                        line.transaction_id,
                        None,
                        line.amount_fen,
                        "the platform's bill has a payment our ledger lacks",
                    )
                elif order.paid_fen != line.amount_fen:
                    await mismatch(
                        "amount_mismatch",
                        line.out_trade_no,
                        line.transaction_id,
                        order.paid_fen,
                        line.amount_fen,
                        "the bill's amount differs from our ledger's",
                    )
                else:
                    matched += 1
                continue
            refund = await self._refunds.find(line.out_refund_no)
            seen.add(f"refund:{line.out_refund_no}")
            if refund is None or refund.status != "succeeded":
                await mismatch(
                    "missing_ours",
                    line.out_trade_no,
                    line.out_refund_no,
                    None,
                    line.amount_fen,
                    "the platform's bill has a refund our ledger lacks",
                )
            elif refund.amount_fen != line.amount_fen:
                await mismatch(
                    "amount_mismatch",
                    line.out_trade_no,
                    line.out_refund_no,
                    refund.amount_fen,
                    line.amount_fen,
                    "the bill's refund amount differs from our ledger's",
                )
            else:
                matched += 1
        for trade, order in ours.items():
            if trade not in seen:
                await mismatch(
                    "missing_theirs",
                    trade,
                    order.transaction_id or "",
                    order.paid_fen,
                    None,
                    "our ledger has a payment the platform's bill lacks",
                )
        for refund in await self._refunds.settled_between(start, end):
            order = await self._orders.find(refund.order_id)
            if (
                order is not None
                and order.platform == platform
                and f"refund:{refund.out_refund_no}" not in seen
            ):
                await mismatch(
                    "missing_theirs",
                    order.out_trade_no,
                    refund.out_refund_no,
                    refund.amount_fen,
                    None,
                    "our ledger has a refund the platform's bill lacks",
                )
        await self._discrepancies.record_run(
            platform=platform, day=day, lines=len(lines), found=found, now=self._clock.now()
        )
        log.info(
            "reconciled %s %s: %d lines, %d matched, %d discrepancies",
            platform,
            day,
            len(lines),
            matched,
            found,
        )
        report = ReconciliationReport(
            platform=platform, bill_date=day, lines=len(lines), matched=matched, discrepancies=found
        )
        await self._audit.append(
            actor=by,
            action="payment.reconciled",
            subject=f"bill:{platform}:{day.isoformat()}",
            data=msgspec.to_builtins(report),
            chain="payment",
        )
        return report

    async def daily(self) -> None:
        """Reconcile yesterday (Beijing time) for each platform not yet reconciled."""
        yesterday = self._clock.now().astimezone(_BEIJING).date() - timedelta(days=1)
        for platform in self.configured():
            if not await self._discrepancies.ran(platform, yesterday):
                await self.run(platform, yesterday)

    async def discrepancies(self, *, status: DiscrepancyStatus | None, limit: int) -> list[DiscrepancyRow]:
        return await self._discrepancies.list(status=status, limit=limit)

    async def resolve(
        self, discrepancy_id: uuid.UUID, *, status: DiscrepancyStatus, note: str, by: str
    ) -> DiscrepancyRow:
        """An operator settles a finding (``resolved``: put right; ``dismissed``: nothing to do); the
        settlement and its audit entry in one transaction."""
        async with transaction(self._engine):
            if not await self._discrepancies.resolve(
                discrepancy_id, status=status, note=note, by=by, now=self._clock.now()
            ):
                if await self._discrepancies.find(discrepancy_id) is None:
                    raise DiscrepancyNotFound()
                raise DiscrepancyResolved()
            found = await self._discrepancies.find(discrepancy_id)
            assert found is not None
            await self._audit.append(
                actor=by,
                action=f"payment.discrepancy_{status}",
                subject=f"discrepancy:{discrepancy_id}",
                data={"kind": found.kind, "out_trade_no": found.out_trade_no, "status": status},
                chain="payment",
            )
        return found
