"""Orders: create (the platform first, then our row: nothing half-made), read, settle a payment
however we learn of it (notification, active query, a close that found it paid), expire unpaid
ones, and raise what operators must see."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, Literal

import msgspec
from piccolo.engine.base import Engine

from backend.audit.service import AuditLog
from backend.clock import Clock
from backend.database import UniqueViolation, transaction
from backend.payment.errors import (
    AmountInvalid,
    OrderNotFound,
    OrderNotPayable,
    PayerNotLinked,
    SecondPayment,
    TransactionElsewhere,
    Unrecorded,
)
from backend.payment.ledger import LedgerEvent
from backend.payment.owners import OwnerNotices, payment_notice
from backend.payment.platforms import PAYER_CHANNELS, PaymentPlatforms, PlatformTrade
from backend.payment.records import DiscrepancyKind, DiscrepancyRepository, DiscrepancyRow
from backend.payment.repository import OrderRepository, OrderRow
from backend.payment.settings import PaymentSettings

log = logging.getLogger("backend.payment")

# Fen: at least 1, at most 100,000 yuan (a deposit or a bill; more is a bank transfer).
MAX_AMOUNT_FEN = 10_000_000
# (citizen, platform) → the citizen's user id on that platform's mini program, or None.
Payers = Callable[[uuid.UUID, str], Awaitable[str | None]]
Settled = Literal["paid", "late", "duplicate", "not_payable"]


class CreatedOrder(msgspec.Struct, frozen=True, kw_only=True):
    order: OrderRow
    pay_arguments: dict[str, str]


class PaymentService:
    """One order model for every feature; amounts in integer fen, CNY."""

    def __init__(
        self,
        *,
        orders: OrderRepository,
        discrepancies: DiscrepancyRepository,
        notices: OwnerNotices,
        platforms: PaymentPlatforms,
        payers: Payers,
        settings: PaymentSettings,
        audit: AuditLog,
        clock: Clock,
        engine: Engine[Any],
    ) -> None:
        self._orders = orders
        self._discrepancies = discrepancies
        self.notices = notices
        self.platforms = platforms
        self._payers = payers
        self._settings = settings
        self._audit = audit
        self._clock = clock
        self._engine = engine
        # Called once a late payment's automatic refund is requested (``RefundService`` sets it).
        self.refund_late: Callable[[OrderRow], Awaitable[None]] | None = None

    async def create_order(
        self,
        *,
        citizen_id: uuid.UUID,
        owner: str,
        payable: str,
        description: str,
        amount_fen: int,
        channel: str,
        payer_id: uuid.UUID | None = None,
        actor: str | None = None,
    ) -> CreatedOrder:
        """An order for ``payable`` of feature ``owner`` and the arguments the client's cashier
        takes. A payable with a live order gets that order back (never a second charge).

        ``citizen_id`` is whose order it is: a citizen, or an organisation a citizen acts for
        (``Principal.owner``). Then ``payer_id`` is the person at the cashier (a mini program's order
        names their platform user: an organisation has none) and ``actor`` the audit actor
        (``Principal.actor``); both default to the citizen themselves."""
        if type(amount_fen) is not int or not 0 < amount_fen <= MAX_AMOUNT_FEN:
            raise AmountInvalid()
        platform = self.platforms.check(channel)
        existing = await self._orders.find_live(owner, payable)
        if existing is not None:
            return self._existing(existing, citizen_id)
        # A mini program's order names its payer; an app's is paid by whoever opens it (the citizen
        # is the order's, by their token).
        payer = ""
        if channel in PAYER_CHANNELS:
            linked = await self._payers(payer_id or citizen_id, platform)
            if linked is None:
                raise PayerNotLinked()
            payer = linked
        out_trade_no = uuid.uuid4().hex
        # The platform first: when it is down nothing of ours exists (503, no half-made order).
        prepay = await self.platforms.create(
            channel, out_trade_no=out_trade_no, description=description, amount_fen=amount_fen, payer=payer
        )
        now = self._clock.now()
        row = OrderRow(
            id=uuid.uuid4(),
            out_trade_no=out_trade_no,
            citizen_id=citizen_id,
            owner=owner,
            payable=payable,
            description=description,
            amount_fen=amount_fen,
            currency="CNY",
            channel=channel,
            platform=platform,
            payer=payer,
            status="pending",
            prepay=prepay,
            transaction_id=None,
            paid_fen=0,
            refund_reserved_fen=0,
            refunded_fen=0,
            created_at=now,
            expires_at=now + timedelta(seconds=self._settings.order_ttl),
            paid_at=None,
            closed_at=None,
            platform_closed=False,
            queried_at=None,
            payer_citizen_id=None if payer_id in (None, citizen_id) else payer_id,
        )
        with UniqueViolation() as raced:
            async with transaction(self._engine):
                await self._orders.insert(row)
                await self._orders.append(
                    row.id,
                    kind="created",
                    amount_fen=amount_fen,
                    source="request",
                    now=now,
                    data=msgspec.json.encode(
                        {"owner": owner, "payable": payable, "channel": channel}
                    ).decode(),
                )
                await self._audit.append(
                    actor=actor or f"citizen:{citizen_id}",
                    action="payment.order_created",
                    subject=f"order:{row.id}",
                    data={"owner": owner, "payable": payable, "amount_fen": amount_fen, "channel": channel},
                    chain="payment",
                )
        if raced.occurred:
            # Another request for the same payable committed first: ours is closed at the platform
            # (it was never shown to anyone) and theirs answers.
            await self.platforms.close(platform, out_trade_no)
            winner = await self._orders.find_live(owner, payable)
            if winner is None:
                raise OrderNotPayable()
            return self._existing(winner, citizen_id)
        return CreatedOrder(order=row, pay_arguments=self.platforms.pay_arguments(row))

    def _existing(self, order: OrderRow, citizen_id: uuid.UUID) -> CreatedOrder:
        if order.status != "pending" or order.citizen_id != citizen_id:
            raise OrderNotPayable()
        return CreatedOrder(order=order, pay_arguments=self.platforms.pay_arguments(order))

    async def get(self, order_id: uuid.UUID, *, citizen_id: uuid.UUID | None = None) -> OrderRow:
        """The order; with ``citizen_id``, only that owner's (a citizen's or an organisation's;
        another's is not found)."""
        order = await self._orders.find(order_id)
        if order is None or (citizen_id is not None and order.citizen_id != citizen_id):
            raise OrderNotFound()
        return order

    async def find_by_trade(self, out_trade_no: str) -> OrderRow | None:
        return await self._orders.find_by_trade(out_trade_no)

    async def list_for(self, citizen_id: uuid.UUID, *, limit: int = 50) -> list[OrderRow]:
        return await self._orders.list_for(citizen_id, limit=limit)

    async def ledger(self, order_id: uuid.UUID) -> list[LedgerEvent]:
        return await self._orders.events(order_id)

    async def settle_paid(
        self, order: OrderRow, *, transaction_id: str, amount_fen: int, source: str
    ) -> Settled:
        """Record that ``order`` was paid: once, whoever reports it how often. The ledger's unique
        ``(order, paid, transaction id)`` decides a replay; the conditional UPDATE decides the state
        (pending → paid; closed → refunding, a late payment refunded automatically)."""
        now = self._clock.now()
        async with transaction(self._engine):
            if not await self._orders.append(
                order.id, kind="paid", amount_fen=amount_fen, reference=transaction_id, source=source, now=now
            ):
                return "duplicate"
            with UniqueViolation(raise_as=TransactionElsewhere):
                state = await self._orders.pay(
                    order.id, transaction_id=transaction_id, amount_fen=amount_fen, now=now
                )
            if state is None:
                # Paid with another transaction while it holds one: raise it, and change nothing.
                raise SecondPayment()
            await self._audit.append(
                actor=f"platform:{order.platform}",
                action="payment.paid",
                subject=f"order:{order.id}",
                data={"amount_fen": amount_fen, "source": source, "late": state == "refunding"},
                chain="payment",
            )
            if state == "paid":
                await self.notices.owe(
                    self.notice(
                        order,
                        "paid",
                        paid_fen=amount_fen,
                        refunded_fen=0,
                        transaction_id=transaction_id,
                        now=now,
                    )
                )
        if state == "paid":
            self.notices.wake()  # the outbox's workers tell the owner now, and retry until it took it
        if state == "refunding":
            await self.raise_discrepancy(
                "late_payment",
                order=order,
                reference=transaction_id,
                ours_fen=None,
                theirs_fen=amount_fen,
                detail="paid after the order was closed: refunded in full",
            )
            if self.refund_late is not None:
                await self.refund_late(await self.get(order.id))
            return "late"
        return "paid"

    async def settle_paid_safely(
        self, order: OrderRow, *, transaction_id: str, amount_fen: int, source: str
    ) -> Settled:
        try:
            return await self.settle_paid(
                order, transaction_id=transaction_id, amount_fen=amount_fen, source=source
            )
        except Unrecorded as exc:  # rolled back: nothing recorded; operators settle it by hand
            await self.raise_discrepancy(
                exc.kind,
                order=order,
                reference=transaction_id,
                ours_fen=order.amount_fen,
                theirs_fen=amount_fen,
                detail=exc.detail,
            )
            return "not_payable"

    notice = staticmethod(payment_notice)  # what an owner is told of an order (owners.payment_notice)

    async def raise_discrepancy(
        self,
        kind: DiscrepancyKind,
        *,
        order: OrderRow | None,
        reference: str,
        ours_fen: int | None,
        theirs_fen: int | None,
        detail: str,
        platform: str | None = None,
        out_trade_no: str | None = None,
        key: str | None = None,
        bill_date: Any = None,
    ) -> None:
        """List a finding for operators (once per key) and log it as an error: someone must look."""
        trade = out_trade_no or (order.out_trade_no if order is not None else "")
        where = platform or (order.platform if order is not None else "")
        row = DiscrepancyRow(
            id=uuid.uuid4(),
            key=key or f"{kind}:{where}:{trade}:{reference}",
            kind=kind,
            platform=where,
            bill_date=bill_date,
            out_trade_no=trade,
            reference=reference,
            ours_fen=ours_fen,
            theirs_fen=theirs_fen,
            detail=detail[:200],
            status="open",
            note="",
            resolved_by="",
            resolved_at=None,
            created_at=self._clock.now(),
        )
        if await self._discrepancies.raise_once(row):
            log.error("payment discrepancy %s on %s %s: %s", kind, where, trade, detail)

    async def query_and_settle(self, order: OrderRow) -> PlatformTrade:
        """Ask the platform about ``order`` and settle what it says (the active query)."""
        trade = await self.platforms.query(order.platform, order.out_trade_no)
        await self._orders.mark_queried(order.id, self._clock.now())
        if trade.paid and trade.transaction_id is not None:
            if trade.amount_fen != order.amount_fen:
                await self.raise_discrepancy(
                    "amount_mismatch",
                    order=order,
                    reference=trade.transaction_id,
                    ours_fen=order.amount_fen,
                    theirs_fen=trade.amount_fen,
                    detail="order query amount",
                )
            else:
                await self.settle_paid_safely(
                    order, transaction_id=trade.transaction_id, amount_fen=trade.amount_fen, source="query"
                )
        return trade

    async def close(self, order: OrderRow, *, source: str) -> bool:
        """Close an unpaid order: the platform first (a paid one is settled instead), then ours. When
        the platform can't be reached the order closes here anyway (its payable is released on time)
        and the platform is closed later; a payment landing meanwhile is refunded."""
        at_platform = False
        try:
            trade = await self.query_and_settle(order)
            if trade.paid:
                return False
            at_platform = await self.platforms.close(order.platform, order.out_trade_no)
            if not at_platform:  # paid between the query and the close
                await self.query_and_settle(order)
                return False
        except Exception as exc:  # noqa: BLE001 (any platform failure: close here, retry there)
            log.warning(
                "closing %s at %s failed (%s); closed here, retried later", order.id, order.platform, exc
            )
        now = self._clock.now()
        async with transaction(self._engine):
            closed = await self._orders.close(order.id, now=now, at_platform=at_platform)
            if closed:
                await self._orders.append(order.id, kind="closed", amount_fen=0, source=source, now=now)
                await self._audit.append(
                    actor="system",
                    action="payment.order_closed",
                    subject=f"order:{order.id}",
                    data={"source": source, "at_platform": at_platform},
                    chain="payment",
                )
        return closed

    async def sweep(self, *, now: datetime | None = None, limit: int = 100) -> None:
        """Expire unpaid orders past their TTL, query orders nobody told us about, and close at the
        platform what was closed only here."""
        now = now or self._clock.now()
        for order in await self._orders.due_to_expire(now, limit=limit):
            await self.close(order, source="expiry")
        before = now - timedelta(seconds=self._settings.query_after)
        for order in await self._orders.due_for_query(before, limit=limit):
            await _quietly(self.query_and_settle(order))
        for order in await self._orders.closed_here_only(limit=limit):
            await _quietly(self._close_at_platform(order))

    async def _close_at_platform(self, order: OrderRow) -> None:
        if await self.platforms.close(order.platform, order.out_trade_no):
            await self._orders.mark_platform_closed(order.id)
        else:
            trade = await self.query_and_settle(order)  # a late payment: settled and refunded
            if trade.paid:
                await self._orders.mark_platform_closed(order.id)


async def _quietly(step: Awaitable[Any]) -> None:
    try:
        await step
    except Exception:
        log.exception("payment sweep step failed; the next sweep retries")
