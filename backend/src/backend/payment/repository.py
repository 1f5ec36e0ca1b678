"""Orders and their ledger. Every state change is a conditional UPDATE or an insert a unique index
guards: the database decides, never a read-then-write here."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import msgspec

from backend.clock import as_utc, as_utc_or_none
from backend.database import Repository
from backend.payment.ledger import LIVE, EventKind, LedgerEvent, OrderStatus
from backend.payment.tables import PaymentEvent, PaymentOrder


class OrderRow(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    out_trade_no: str
    citizen_id: uuid.UUID
    owner: str
    payable: str
    description: str
    amount_fen: int
    currency: str
    channel: str
    platform: str
    payer: str
    status: OrderStatus
    prepay: str
    transaction_id: str | None
    paid_fen: int
    refund_reserved_fen: int
    refunded_fen: int
    created_at: datetime
    expires_at: datetime
    paid_at: datetime | None
    closed_at: datetime | None
    platform_closed: bool
    queried_at: datetime | None
    payer_citizen_id: uuid.UUID | None = None


_TIMES = ("created_at", "expires_at")
_OPTIONAL_TIMES = ("paid_at", "closed_at", "queried_at")


def _order(raw: dict[str, Any]) -> OrderRow:
    values = dict(raw)
    for name in _TIMES:
        values[name] = as_utc(values[name])
    for name in _OPTIONAL_TIMES:
        values[name] = as_utc_or_none(values[name])
    values["platform_closed"] = bool(values["platform_closed"])
    return msgspec.convert(values, OrderRow)


def _event(raw: dict[str, Any]) -> LedgerEvent:
    return LedgerEvent(
        kind=raw["kind"],
        amount_fen=raw["amount_fen"],
        reference=raw["reference"],
        source=raw["source"],
        at=as_utc(raw["at"]),
        data=raw["data"],
    )


class OrderRepository(Repository):
    async def insert(self, row: OrderRow) -> None:
        await PaymentOrder.insert(PaymentOrder(**msgspec.structs.asdict(row)))

    async def find(self, order_id: uuid.UUID) -> OrderRow | None:
        raw = await PaymentOrder.select().where(PaymentOrder.id == order_id).first()
        return None if raw is None else _order(raw)

    async def find_by_trade(self, out_trade_no: str) -> OrderRow | None:
        raw = await PaymentOrder.select().where(PaymentOrder.out_trade_no == out_trade_no).first()
        return None if raw is None else _order(raw)

    async def find_live(self, owner: str, payable: str) -> OrderRow | None:
        raw = (
            await PaymentOrder.select()
            .where(
                (PaymentOrder.owner == owner)
                & (PaymentOrder.payable == payable)
                & PaymentOrder.status.is_in(list(LIVE))
            )
            .first()
        )
        return None if raw is None else _order(raw)

    async def list_for(self, citizen_id: uuid.UUID, *, limit: int) -> list[OrderRow]:
        rows = (
            await PaymentOrder.select()
            .where(PaymentOrder.citizen_id == citizen_id)
            .order_by(PaymentOrder.created_at, ascending=False)
            .limit(limit)
        )
        return [_order(raw) for raw in rows]

    async def paid_on(self, platform: str, start: datetime, end: datetime) -> list[OrderRow]:
        """Orders of ``platform`` paid in ``[start, end)``: our side of a day's bill."""
        rows = await PaymentOrder.select().where(
            (PaymentOrder.platform == platform)
            & (PaymentOrder.paid_at >= start)
            & (PaymentOrder.paid_at < end)
        )
        return [_order(raw) for raw in rows]

    async def due_to_expire(self, now: datetime, *, limit: int) -> list[OrderRow]:
        rows = await (
            PaymentOrder.select()
            .where((PaymentOrder.status == "pending") & (PaymentOrder.expires_at <= now))
            .limit(limit)
        )
        return [_order(raw) for raw in rows]

    async def due_for_query(self, before: datetime, *, limit: int) -> list[OrderRow]:
        """Pending orders created before ``before`` and not asked about since."""
        rows = await (
            PaymentOrder.select()
            .where(
                (PaymentOrder.status == "pending")
                & (PaymentOrder.created_at <= before)
                & (PaymentOrder.queried_at.is_null() | (PaymentOrder.queried_at <= before))
            )
            .limit(limit)
        )
        return [_order(raw) for raw in rows]

    async def closed_here_only(self, *, limit: int) -> list[OrderRow]:
        rows = await (
            PaymentOrder.select()
            .where((PaymentOrder.status == "closed") & (PaymentOrder.platform_closed == False))  # noqa: E712
            .limit(limit)
        )
        return [_order(raw) for raw in rows]

    async def mark_queried(self, order_id: uuid.UUID, now: datetime) -> None:
        await PaymentOrder.update({PaymentOrder.queried_at: now}).where(PaymentOrder.id == order_id)

    async def mark_platform_closed(self, order_id: uuid.UUID) -> None:
        await PaymentOrder.update({PaymentOrder.platform_closed: True}).where(PaymentOrder.id == order_id)

    async def pay(
        self, order_id: uuid.UUID, *, transaction_id: str, amount_fen: int, now: datetime
    ) -> OrderStatus | None:
        """pending → paid, or closed → refunding (a late payment); None when the order is in neither
        state or holds a transaction already (a replay, or a second payment)."""
        for before, after in (("pending", "paid"), ("closed", "refunding")):
            rows = await (
                PaymentOrder.update(
                    {
                        PaymentOrder.status: after,
                        PaymentOrder.transaction_id: transaction_id,
                        PaymentOrder.paid_fen: amount_fen,
                        PaymentOrder.paid_at: now,
                    }
                )
                .where(
                    (PaymentOrder.id == order_id)
                    & (PaymentOrder.status == before)
                    & PaymentOrder.transaction_id.is_null()
                )
                .returning(PaymentOrder.id)
            )
            if rows:
                return after  # type: ignore[return-value]
        return None

    async def close(self, order_id: uuid.UUID, *, now: datetime, at_platform: bool) -> bool:
        """pending → closed; False when it was not pending (paid meanwhile, or closed already)."""
        rows = await (
            PaymentOrder.update(
                {
                    PaymentOrder.status: "closed",
                    PaymentOrder.closed_at: now,
                    PaymentOrder.platform_closed: at_platform,
                }
            )
            .where((PaymentOrder.id == order_id) & (PaymentOrder.status == "pending"))
            .returning(PaymentOrder.id)
        )
        return bool(rows)

    async def reserve_refund(self, order_id: uuid.UUID, amount_fen: int) -> bool:
        """Reserve ``amount_fen`` of what was paid for a refund; False past what is left."""
        rows = await PaymentOrder.raw(
            "UPDATE payment_order SET refund_reserved_fen = refund_reserved_fen + {} "
            "WHERE id = {} AND status IN ('paid', 'partially_refunded', 'refunding') "
            "AND refund_reserved_fen + {} <= paid_fen RETURNING id",
            amount_fen,
            order_id,
            amount_fen,
        )
        return bool(rows)

    async def release_refund(self, order_id: uuid.UUID, amount_fen: int) -> None:
        await PaymentOrder.raw(
            "UPDATE payment_order SET refund_reserved_fen = refund_reserved_fen - {} WHERE id = {}",
            amount_fen,
            order_id,
        )

    async def refunded(self, order_id: uuid.UUID, amount_fen: int) -> OrderStatus:
        """Add a confirmed refund; the new state (the ledger's rule, in SQL)."""
        rows = await PaymentOrder.raw(
            "UPDATE payment_order SET refunded_fen = refunded_fen + {}, status = CASE "
            "WHEN refunded_fen + {} >= paid_fen THEN 'refunded' "
            "WHEN status = 'refunding' THEN 'refunding' ELSE 'partially_refunded' END "
            "WHERE id = {} RETURNING status",
            amount_fen,
            amount_fen,
            order_id,
        )
        status: OrderStatus = rows[0]["status"]
        return status

    async def append(
        self,
        order_id: uuid.UUID,
        *,
        kind: EventKind,
        amount_fen: int,
        reference: str = "",
        source: str,
        now: datetime,
        data: str = "{}",
    ) -> bool:
        """Append a fact to the ledger; False when it is recorded already (unique per order, kind
        and reference): the database, not this code, decides what is a replay."""
        rows = await (
            PaymentEvent.insert(
                PaymentEvent(
                    id=uuid.uuid4(),
                    order_id=order_id,
                    kind=kind,
                    amount_fen=amount_fen,
                    reference=reference,
                    source=source,
                    at=now,
                    data=data,
                )
            )
            .on_conflict(action="DO NOTHING")
            .returning(PaymentEvent.id)
        )
        return bool(rows)

    async def events(self, order_id: uuid.UUID) -> list[LedgerEvent]:
        rows = (
            await PaymentEvent.select()
            .where(PaymentEvent.order_id == order_id)
            .order_by(PaymentEvent.at)
            .order_by(PaymentEvent.id)
        )
        return [_event(raw) for raw in rows]
