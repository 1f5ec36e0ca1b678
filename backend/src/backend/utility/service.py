"""Linking utility accounts, reading their bills, paying one through the payment feature, and
telling the utility of the payment once (the payment feature's owner notice, under an idempotency
key the utility honours), then the payer's inbox.

Accounts, payments and orders are the owner's (``owner_id``): a citizen, or an organisation an agent
authorised to pay acts for (``Principal.owner``); what is done is audited as ``Principal.actor``."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from piccolo.engine.base import Engine

from backend.audit.service import AuditLog
from backend.clock import Clock
from backend.database import transaction
from backend.notification.service import NotificationService
from backend.outbox.jobs import GiveUp, retry_upstream
from backend.payment.owners import PaymentNotice
from backend.payment.refunds import RefundService
from backend.payment.service import CreatedOrder, PaymentService
from backend.utility.errors import (
    AccountLinked,
    AccountNoInvalid,
    AccountNotFound,
    BillPaid,
    BillUnknown,
    UtilityPaymentNotFound,
    UtilityUnavailable,
)
from backend.utility.notices import BILL_PAID
from backend.utility.repository import AccountRow, PaymentRow, UtilityRepository
from integrations import UpstreamRejected, UpstreamUnavailable
from integrations.utility import ACCOUNT_NO, UtilityBill, UtilityClient, UtilityKind

OWNER = "utility"
_REFUSED = "缴费单位未受理，自动退款"
# The utility's answers that say it never took the payment: refunded automatically.
_DEFINITE_REFUSALS = frozenset({"amount_mismatch", "bill_not_found"})
_NAMES = {"water": "水费", "electricity": "电费", "gas": "燃气费"}
T = TypeVar("T")


async def _upstream(call: Callable[[], Awaitable[T]]) -> T:
    try:
        return await call()
    except UpstreamUnavailable:
        raise UtilityUnavailable() from None
    except UpstreamRejected as exc:
        if exc.code in ("account_not_found", "invalid_account_no"):
            raise AccountNotFound() from None
        raise


class UtilityService:
    def __init__(
        self,
        *,
        repository: UtilityRepository,
        client: UtilityClient,
        payments: PaymentService,
        refunds: RefundService,
        notifications: NotificationService,
        audit: AuditLog,
        clock: Clock,
        engine: Engine[Any],
    ) -> None:
        self._repository = repository
        self._client = client
        self._payments = payments
        self._refunds = refunds
        self._notifications = notifications
        self._audit = audit
        self._clock = clock
        self._engine = engine

    async def _refuse(self, row: PaymentRow, code: str) -> None:
        async with transaction(self._engine):
            if await self._repository.refuse(row.order_id):
                await self._audit.append(
                    actor="system",
                    action="utility.payment_refused",
                    subject=f"utility_payment:{row.id}",
                    data={"kind": row.kind, "bill_no": row.bill_no, "code": code},
                    chain="payment",
                )
        await self._refunds.refund_in_full(row.order_id, tag="UREF", reason=_REFUSED)

    async def link(
        self, owner_id: uuid.UUID, kind: UtilityKind, account_no: str, *, actor: str
    ) -> AccountRow:
        if not ACCOUNT_NO.match(account_no):
            raise AccountNoInvalid()
        account = await _upstream(lambda: self._client.find_account(kind, account_no))
        row = AccountRow(
            id=uuid.uuid4(),
            citizen_id=owner_id,
            kind=kind,
            account_no=account_no,
            holder=account.holder,
            address=account.address,
            created_at=self._clock.now(),
        )
        async with transaction(self._engine):
            if not await self._repository.link(row):
                raise AccountLinked()
            await self._audit.append(
                actor=actor,
                action="utility.account_linked",
                subject=f"utility_account:{row.id}",
                data={"kind": kind, "owner": str(owner_id)},
                chain="payment",
            )
        return row

    async def accounts(self, owner_id: uuid.UUID) -> list[AccountRow]:
        return await self._repository.accounts(owner_id)

    async def account(self, owner_id: uuid.UUID, account_id: uuid.UUID) -> AccountRow:
        found = await self._repository.account(owner_id, account_id)
        if found is None:
            raise AccountNotFound()
        return found

    async def unlink(self, owner_id: uuid.UUID, account_id: uuid.UUID, *, actor: str) -> None:
        async with transaction(self._engine):
            if not await self._repository.unlink(owner_id, account_id):
                raise AccountNotFound()
            await self._audit.append(
                actor=actor,
                action="utility.account_unlinked",
                subject=f"utility_account:{account_id}",
                data={"owner": str(owner_id)},
                chain="payment",
            )

    async def bills(self, owner_id: uuid.UUID, account_id: uuid.UUID) -> list[UtilityBill]:
        account = await self.account(owner_id, account_id)
        return await _upstream(lambda: self._client.bills(account.kind, account.account_no))  # type: ignore[arg-type]

    async def pay(
        self,
        owner_id: uuid.UUID,
        account_id: uuid.UUID,
        *,
        bill_no: str,
        channel: str,
        payer_id: uuid.UUID,
        actor: str,
    ) -> tuple[PaymentRow, CreatedOrder]:
        """An order for an unpaid bill (the same order again while it is unpaid); ``payer_id`` is the
        person at the cashier (the owner, or the agent acting for it)."""
        account = await self.account(owner_id, account_id)
        bill = next((b for b in await self.bills(owner_id, account_id) if b.bill_no == bill_no), None)
        if bill is None:
            raise BillUnknown()
        if bill.status == "paid":
            raise BillPaid()
        created = await self._payments.create_order(
            citizen_id=owner_id,
            payer_id=payer_id,
            actor=actor,
            owner=OWNER,
            payable=f"{bill.kind}:{bill.bill_no}",
            description=f"宿迁{_NAMES[bill.kind]} {bill.period} {account.account_no}",
            amount_fen=bill.amount_fen,
            channel=channel,
        )
        await self._repository.record(
            PaymentRow(
                id=uuid.uuid4(),
                citizen_id=owner_id,
                account_id=account.id,
                kind=bill.kind,
                account_no=account.account_no,
                bill_no=bill.bill_no,
                period=bill.period,
                amount_fen=bill.amount_fen,
                order_id=created.order.id,
                status="pending",
                receipt_no="",
                transaction_id="",
                paid_at=None,
                created_at=self._clock.now(),
            )
        )
        found = await self._repository.by_order(created.order.id)
        assert found is not None
        return found, created

    async def payment(self, owner_id: uuid.UUID, payment_id: uuid.UUID) -> PaymentRow:
        found = await self._repository.payment(owner_id, payment_id)
        if found is None:
            raise UtilityPaymentNotFound()
        return found

    async def on_payment(self, notice: PaymentNotice) -> None:
        """The payment feature's notice: a bill's order was paid (or refunded). The utility is told
        under the key ``utility:<order>``, so a repeated notice settles the bill once there too."""
        if notice.event != "paid":
            return  # a refund is the operators' to reverse with the utility (no reversal API)
        row = await self._repository.by_order(notice.order_id)
        if row is not None and row.status == "refused":
            # Refused before, and this is the job retried: make sure the refund was asked for.
            await self._refunds.refund_in_full(notice.order_id, tag="UREF", reason=_REFUSED)
        if row is None or row.status != "pending":
            return
        paid_at = notice.at.isoformat(timespec="seconds")
        try:
            receipt = await self._client.advise_payment(
                row.kind,  # type: ignore[arg-type]
                bill_no=row.bill_no,
                amount_fen=row.amount_fen,
                payment_ref=notice.transaction_id or "",
                paid_at=paid_at,
                idempotency_key=f"utility:{notice.order_id}",
            )
        except UpstreamUnavailable as exc:
            raise retry_upstream(exc, "utility billing") from None
        except UpstreamRejected as exc:
            if exc.code in _DEFINITE_REFUSALS:
                # The bill changed or is gone: the utility never took it, the citizen's money goes back.
                await self._refuse(row, exc.code)
                return
            # ``bill_paid`` / ``idempotency_key_reused`` may mean it took *our* advice before (an answer
            # lost, a key it forgot); anything else is ours to fix. Never refund on a guess: operators
            # settle it with the utility, then refund or not (the job is dead-lettered, listed).
            order = await self._payments.get(notice.order_id)
            await self._payments.raise_discrepancy(
                "owner_refused",
                order=order,
                reference=f"utility:{exc.code}",
                ours_fen=row.amount_fen,
                theirs_fen=None,
                detail=f"the utility refused the payment advice for bill {row.bill_no}: {exc.code}",
            )
            raise GiveUp(f"utility refused: {exc.code}") from None
        settled = False
        async with transaction(self._engine):
            if await self._repository.settle(
                notice.order_id,
                receipt_no=receipt.receipt_no,
                transaction_id=notice.transaction_id or "",
                paid_at=notice.at,
            ):
                await self._audit.append(
                    actor="system",
                    action="utility.bill_paid",
                    subject=f"utility_payment:{row.id}",
                    data={"kind": row.kind, "bill_no": row.bill_no, "receipt_no": receipt.receipt_no},
                    chain="payment",
                )
                # The owner's inbox (an organisation's is read by whoever acts for it), once per bill.
                await self._notifications.notify(
                    row.citizen_id,
                    template=BILL_PAID,
                    data={
                        "utility": _NAMES[row.kind],
                        "period": row.period,
                        "account_no": row.account_no,
                        "amount": f"{row.amount_fen // 100}.{row.amount_fen % 100:02d}",
                        "receipt_no": receipt.receipt_no,
                    },
                    key=f"utility:{row.id}:paid",
                )
                settled = True
        if settled:
            self._notifications.wake()
