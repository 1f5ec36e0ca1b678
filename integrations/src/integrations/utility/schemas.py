"""The utilities' billing system (公共事業繳費: water, electricity, gas) on the wire. Amounts are
integer fen."""

from __future__ import annotations

from typing import Literal

import msgspec

UtilityKind = Literal["water", "electricity", "gas"]
BillStatus = Literal["unpaid", "paid"]


class UtilityAccount(msgspec.Struct, frozen=True, kw_only=True):
    """A metered account (户号) at one utility. ``holder`` comes masked (``张*``)."""

    kind: UtilityKind
    account_no: str
    holder: str
    address: str


class UtilityBill(msgspec.Struct, frozen=True, kw_only=True):
    bill_no: str
    kind: UtilityKind
    account_no: str
    period: str  # "2025-01"
    amount_fen: int
    due_date: str
    status: BillStatus


class UtilityBills(msgspec.Struct, frozen=True, kw_only=True):
    items: list[UtilityBill]


class PaymentAdvice(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """We tell the utility a bill was paid (销账): once, under an idempotency key."""

    bill_no: str
    amount_fen: int
    payment_ref: str
    paid_at: str


class UtilityReceipt(msgspec.Struct, frozen=True, kw_only=True):
    """The utility's receipt (缴费凭证) for a settled bill."""

    receipt_no: str
    bill_no: str
    kind: UtilityKind
    account_no: str
    amount_fen: int
    paid_at: str
