"""Payments are financial records: kept when the account closes (the payer's platform id blanked),
and an account with a payment still open cannot close."""

from __future__ import annotations

import uuid

from backend.payment.tables import (
    PaymentDiscrepancy,
    PaymentEvent,
    PaymentOrder,
    PaymentReconciliation,
    PaymentRefund,
)
from backend.personal_data import Blocker, BlockerCheck, Category, Held, OnClosure, PersonalData
from backend.wiring import Wiring

KEPT = "accounting records (會計檔案管理辦法 art. 14: vouchers and ledgers 30 years); no name, ID or phone"


def _blockers(w: Wiring) -> BlockerCheck:
    async def check(citizen_id: uuid.UUID) -> list[Blocker]:
        mine = PaymentOrder.citizen_id == citizen_id
        pending = await PaymentOrder.count().where(mine & (PaymentOrder.status == "pending"))
        refunding = await PaymentRefund.count().where(
            PaymentRefund.order_id.is_in(PaymentOrder.select(PaymentOrder.id).where(mine))
            & (PaymentRefund.status == "requested")
        )
        found = []
        if pending:
            found.append(
                Blocker(
                    code="payment.pending", detail="payment(s) pending: pay or cancel them", count=pending
                )
            )
        if refunding:
            found.append(
                Blocker(code="payment.refunding", detail="refund(s) still in progress", count=refunding)
            )
        return found

    return check


PERSONAL_DATA = PersonalData(
    categories=(
        Category(
            name="payments",
            description="What you paid and were refunded: orders, amounts, the platform's transaction "
            "numbers and the payment ledger",
            purpose="Taking payments for city services and refunding them; reconciling with the platforms",
            legal_basis="PIPL art. 13(2) (the service you pay for) and 13(3) (Accounting Law art. 23)",
            retention="30 years as accounting records; kept at closure without your platform id",
        ),
    ),
    held=(
        Held(
            table=PaymentOrder,
            category="payments",
            # An organisation's order names the agent who paid it: their platform id is theirs.
            citizen=("citizen_id", "payer_citizen_id"),
            on_closure=OnClosure.RETAIN,
            scrub={"payer": ""},
            retained_because=KEPT,
        ),
        Held(
            table=PaymentEvent,
            category="payments",
            parent=("order_id", PaymentOrder),
            on_closure=OnClosure.RETAIN,
            retained_because=KEPT,
        ),
        Held(
            table=PaymentRefund,
            category="payments",
            parent=("order_id", PaymentOrder),
            on_closure=OnClosure.RETAIN,
            retained_because=KEPT,
        ),
    ),
    unrelated={
        PaymentDiscrepancy: "operators' reconciliation findings, by trade number",
        PaymentReconciliation: "one platform's bill of one day",
    },
    blockers=_blockers,
)
