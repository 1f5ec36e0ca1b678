"""Refunds, operators' discrepancies and reconciliation runs: the rows around an order's ledger."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

import msgspec

from backend.clock import as_utc, as_utc_or_none
from backend.database import Repository
from backend.payment.tables import (
    PaymentDiscrepancy,
    PaymentReconciliation,
    PaymentRefund,
)

RefundStatus = Literal["requested", "succeeded", "failed"]
DiscrepancyKind = Literal[
    "amount_mismatch", "not_ours", "late_payment", "missing_ours", "missing_theirs", "refund_failed",
    "owner_refused", "transaction_reused",
]  # fmt: skip
DiscrepancyStatus = Literal["open", "resolved", "dismissed"]


class RefundRow(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    order_id: uuid.UUID
    out_refund_no: str
    amount_fen: int
    reason: str
    status: RefundStatus
    refund_id: str | None
    requested_by: str
    created_at: datetime
    settled_at: datetime | None


class DiscrepancyRow(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    key: str
    kind: DiscrepancyKind
    platform: str
    bill_date: date | None
    out_trade_no: str
    reference: str
    ours_fen: int | None
    theirs_fen: int | None
    detail: str
    status: DiscrepancyStatus
    note: str
    resolved_by: str
    resolved_at: datetime | None
    created_at: datetime


def _refund(raw: dict[str, Any]) -> RefundRow:
    return msgspec.convert(
        {**raw, "created_at": as_utc(raw["created_at"]), "settled_at": as_utc_or_none(raw["settled_at"])},
        RefundRow,
    )


def _discrepancy(raw: dict[str, Any]) -> DiscrepancyRow:
    values = {
        **raw,
        "created_at": as_utc(raw["created_at"]),
        "resolved_at": as_utc_or_none(raw["resolved_at"]),
    }
    if isinstance(values["bill_date"], str):
        values["bill_date"] = date.fromisoformat(values["bill_date"])
    return msgspec.convert(values, DiscrepancyRow)


class RefundRepository(Repository):
    async def insert(self, row: RefundRow) -> None:
        await PaymentRefund.insert(PaymentRefund(**msgspec.structs.asdict(row)))

    async def find(self, out_refund_no: str) -> RefundRow | None:
        raw = await PaymentRefund.select().where(PaymentRefund.out_refund_no == out_refund_no).first()
        return None if raw is None else _refund(raw)

    async def of_order(self, order_id: uuid.UUID) -> list[RefundRow]:
        rows = (
            await PaymentRefund.select()
            .where(PaymentRefund.order_id == order_id)
            .order_by(PaymentRefund.created_at)
        )
        return [_refund(raw) for raw in rows]

    async def unsettled(self, before: datetime, *, limit: int) -> list[RefundRow]:
        rows = await (
            PaymentRefund.select()
            .where((PaymentRefund.status == "requested") & (PaymentRefund.created_at <= before))
            .limit(limit)
        )
        return [_refund(raw) for raw in rows]

    async def settled_between(self, start: datetime, end: datetime) -> list[RefundRow]:
        rows = await PaymentRefund.select().where(
            (PaymentRefund.status == "succeeded")
            & (PaymentRefund.settled_at >= start)
            & (PaymentRefund.settled_at < end)
        )
        return [_refund(raw) for raw in rows]

    async def settle(
        self, out_refund_no: str, *, status: RefundStatus, refund_id: str | None, now: datetime
    ) -> bool:
        """requested → succeeded / failed, once."""
        rows = await (
            PaymentRefund.update(
                {
                    PaymentRefund.status: status,
                    PaymentRefund.refund_id: refund_id,
                    PaymentRefund.settled_at: now,
                }
            )
            .where((PaymentRefund.out_refund_no == out_refund_no) & (PaymentRefund.status == "requested"))
            .returning(PaymentRefund.id)
        )
        return bool(rows)


class DiscrepancyRepository(Repository):
    async def raise_once(self, row: DiscrepancyRow) -> bool:
        """Record a finding; False when its key was recorded before."""
        rows = await (
            PaymentDiscrepancy.insert(PaymentDiscrepancy(**msgspec.structs.asdict(row)))
            .on_conflict(action="DO NOTHING")
            .returning(PaymentDiscrepancy.id)
        )
        return bool(rows)

    async def find(self, discrepancy_id: uuid.UUID) -> DiscrepancyRow | None:
        raw = await PaymentDiscrepancy.select().where(PaymentDiscrepancy.id == discrepancy_id).first()
        return None if raw is None else _discrepancy(raw)

    async def list(self, *, status: DiscrepancyStatus | None, limit: int) -> list[DiscrepancyRow]:
        query = PaymentDiscrepancy.select().order_by(PaymentDiscrepancy.created_at).limit(limit)
        if status is not None:
            query = query.where(PaymentDiscrepancy.status == status)
        return [_discrepancy(raw) for raw in await query]

    async def resolve(
        self, discrepancy_id: uuid.UUID, *, status: DiscrepancyStatus, note: str, by: str, now: datetime
    ) -> bool:
        rows = await (
            PaymentDiscrepancy.update(
                {
                    PaymentDiscrepancy.status: status,
                    PaymentDiscrepancy.note: note,
                    PaymentDiscrepancy.resolved_by: by,
                    PaymentDiscrepancy.resolved_at: now,
                }
            )
            .where((PaymentDiscrepancy.id == discrepancy_id) & (PaymentDiscrepancy.status == "open"))
            .returning(PaymentDiscrepancy.id)
        )
        return bool(rows)

    async def record_run(self, *, platform: str, day: date, lines: int, found: int, now: datetime) -> bool:
        """Claim the run of ``platform``'s bill of ``day``; False when it ran already."""
        rows = await (
            PaymentReconciliation.insert(
                PaymentReconciliation(
                    id=uuid.uuid4(),
                    key=f"{platform}:{day.isoformat()}",
                    platform=platform,
                    bill_date=day,
                    lines=lines,
                    discrepancies=found,
                    ran_at=now,
                )
            )
            .on_conflict(action="DO NOTHING")
            .returning(PaymentReconciliation.id)
        )
        return bool(rows)

    async def ran(self, platform: str, day: date) -> bool:
        key = f"{platform}:{day.isoformat()}"
        return await PaymentReconciliation.exists().where(PaymentReconciliation.key == key)
