from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

import msgspec

from backend.fields import plain_text

Reason = Annotated[str, plain_text(max_length=80)]
Note = Annotated[str, plain_text(max_length=200)]


class OrderRead(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    out_trade_no: str
    owner: str
    payable: str
    description: str
    amount_fen: int
    currency: str
    channel: str
    status: str
    paid_fen: int
    refunded_fen: int
    created_at: datetime
    expires_at: datetime
    paid_at: datetime | None = None
    closed_at: datetime | None = None


class OrderPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[OrderRead]


class LedgerEntry(msgspec.Struct, frozen=True, kw_only=True):
    kind: str
    amount_fen: int
    reference: str
    source: str
    at: datetime


class RefundRead(msgspec.Struct, frozen=True, kw_only=True):
    out_refund_no: str
    amount_fen: int
    reason: str
    status: str
    created_at: datetime
    settled_at: datetime | None = None


class OrderAudit(msgspec.Struct, frozen=True, kw_only=True):
    """An order as operators see it: its ledger and its refunds."""

    order: OrderRead
    transaction_id: str | None
    ledger: list[LedgerEntry]
    refunds: list[RefundRead]


class RefundCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    amount_fen: Annotated[int, msgspec.Meta(ge=1, le=10_000_000)]
    reason: Reason


class DiscrepancyRead(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    kind: str
    platform: str
    bill_date: date | None
    out_trade_no: str
    reference: str
    ours_fen: int | None
    theirs_fen: int | None
    detail: str
    status: str
    note: str
    created_at: datetime
    resolved_at: datetime | None = None


class DiscrepancyPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[DiscrepancyRead]


class DiscrepancyResolve(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    status: Literal["resolved", "dismissed"]
    note: Note


class ReconciliationRun(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    platform: Literal["wechatpay", "alipay"]
    bill_date: date


class ReconciliationRead(msgspec.Struct, frozen=True, kw_only=True):
    platform: str
    bill_date: date
    lines: int
    matched: int
    discrepancies: int
