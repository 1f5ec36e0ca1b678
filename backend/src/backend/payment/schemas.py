from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

import msgspec

from backend.fields import doc, plain_text

Reason = Annotated[str, plain_text(max_length=80)]
Note = Annotated[str, plain_text(max_length=200)]


# The cashier a feature's pay request names (``payment.platforms.Channel``), described once for all.
PayChannel = Annotated[
    Literal["wechat_jsapi", "alipay_mini", "wechat_app", "alipay_app"],
    doc(
        "Which cashier pays: `wechat_jsapi` (WeChat mini program), `alipay_mini` "
        "(Alipay mini program), `wechat_app` or `alipay_app` (the app)",
        "wechat_jsapi",
    ),
]


class OrderRead(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    out_trade_no: Annotated[
        str,
        doc(
            "Our order number at the platform (32 hex characters): what its bills and "
            "the merchant console show",
            "8f14e45fceea167a5a36dedd4bea2543",
        ),
    ]
    owner: Annotated[
        str,
        doc("The feature that asked for the payment: `tourism`, `hotel`, `parking` or `utility`", "tourism"),
    ]
    payable: Annotated[
        str,
        doc(
            "What is paid, as the owner names it (`hold:<id>`, `booking:<id>`, "
            "`stay:<id>:<paid>`, `<kind>:<bill no>`)",
            "hold:7d444840-9dc0-11d1-b245-5ffdce74fad2",
        ),
    ]
    description: Annotated[
        str, doc("What the cashier and the payer's bill show", "骆马湖旅游度假区 门票 2026-12-24 ×2")
    ]
    amount_fen: int
    currency: Annotated[str, doc("Always `CNY`", "CNY")]
    channel: Annotated[
        str,
        doc(
            "The cashier it was made for: `wechat_jsapi`, `alipay_mini`, `wechat_app` or `alipay_app`",
            "wechat_jsapi",
        ),
    ]
    status: Annotated[
        str,
        doc(
            "`pending` until the platform confirms payment, then `paid`; `closed` "
            "once it expired unpaid; `refunding`, `partially_refunded`, `refunded` "
            "after a refund",
            "paid",
        ),
    ]
    paid_fen: int
    refunded_fen: int
    created_at: datetime
    expires_at: datetime
    paid_at: datetime | None = None
    closed_at: datetime | None = None


class OrderPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[OrderRead]


class LedgerEntry(msgspec.Struct, frozen=True, kw_only=True):
    kind: Annotated[
        str,
        doc(
            "What happened to the order: `created`, `paid`, `closed`, "
            "`refund_requested`, `refunded` or `refund_failed`",
            "paid",
        ),
    ]
    amount_fen: int
    reference: Annotated[
        str,
        doc(
            "The platform's reference for it: the transaction id of a payment, the "
            "refund number of a refund; empty when none",
            "4200002345202612031234567890",
        ),
    ]
    source: Annotated[
        str,
        doc(
            "What told us: `request` (our own call), `notification` (the platform's), "
            "`query` (we asked the platform) or `expiry`",
            "notification",
        ),
    ]
    at: Annotated[datetime, doc("When it happened (ISO 8601, UTC)", "2026-12-03T02:15:04Z")]


class RefundRead(msgspec.Struct, frozen=True, kw_only=True):
    out_refund_no: Annotated[
        str, doc("Our refund number at the platform", "8f14e45fceea167a5a36dedd4bea2543")
    ]
    amount_fen: int
    reason: Annotated[str, doc("Why, as the refund was asked (the payer's bill may show it)", "游客退票")]
    status: Annotated[str, doc("`requested` (the platform is on it), `succeeded` or `failed`", "succeeded")]
    created_at: datetime
    settled_at: datetime | None = None


class OrderAudit(msgspec.Struct, frozen=True, kw_only=True):
    """An order as operators see it: its ledger and its refunds."""

    order: OrderRead
    transaction_id: Annotated[
        str | None,
        doc("The platform's transaction id once paid; null before", "4200002345202612031234567890"),
    ]
    ledger: Annotated[list[LedgerEntry], doc("Everything that happened to the order, oldest first", [])]
    refunds: Annotated[list[RefundRead], doc("Its refunds, oldest first", [])]


class RefundCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    amount_fen: Annotated[int, msgspec.Meta(ge=1, le=10_000_000)]
    reason: Reason


class DiscrepancyRead(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    kind: Annotated[
        str,
        doc(
            "What does not add up: `amount_mismatch`, `not_ours` (a notification for "
            "another merchant or app), `late_payment` (paid after we closed it), "
            "`missing_ours` (their bill has a payment our ledger lacks), "
            "`missing_theirs` (our ledger has one their bill lacks), `refund_failed`, "
            "`owner_refused` (the owning feature would not take the payment) or "
            "`transaction_reused` (a payment reported with a transaction id another order holds)",
            "amount_mismatch",
        ),
    ]
    platform: Annotated[str, doc("The payment platform: `wechatpay` or `alipay`", "wechatpay")]
    bill_date: Annotated[
        date | None,
        doc(
            "The platform bill's day that found it (YYYY-MM-DD); null when a "
            "notification or a refund found it",
            "2026-12-02",
        ),
    ]
    out_trade_no: Annotated[str, doc("Our order number concerned", "8f14e45fceea167a5a36dedd4bea2543")]
    reference: Annotated[
        str,
        doc(
            "The platform's reference (transaction id or refund number); may be empty",
            "4200002345202612031234567890",
        ),
    ]
    ours_fen: int | None
    theirs_fen: int | None
    detail: Annotated[
        str, doc("What was found, for the operator", "the bill's amount differs from our ledger's")
    ]
    status: Annotated[str, doc("`open`, `resolved` or `dismissed`", "open")]
    note: Annotated[
        str, doc("The operator's note on closing it; empty while open", "已与商户平台核对，补退差额")
    ]
    created_at: datetime
    resolved_at: datetime | None = None


class DiscrepancyPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[DiscrepancyRead]


class DiscrepancyResolve(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    status: Annotated[
        Literal["resolved", "dismissed"],
        doc("`resolved` (fixed) or `dismissed` (nothing to fix)", "resolved"),
    ]
    note: Annotated[
        Note, doc("What was done, for the record (up to 200 characters)", "已与商户平台核对，补退差额")
    ]


class ReconciliationRun(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    platform: Annotated[
        Literal["wechatpay", "alipay"], doc("The payment platform: `wechatpay` or `alipay`", "wechatpay")
    ]
    bill_date: Annotated[date, doc("The bill's day to reconcile (YYYY-MM-DD, Beijing time)", "2026-12-02")]


class ReconciliationRead(msgspec.Struct, frozen=True, kw_only=True):
    platform: Annotated[str, doc("The payment platform: `wechatpay` or `alipay`", "wechatpay")]
    bill_date: Annotated[date, doc("The bill's day (YYYY-MM-DD, Beijing time)", "2026-12-02")]
    lines: Annotated[int, doc("Lines in the platform's bill", 1520)]
    matched: Annotated[int, doc("Lines that matched our orders", 1519)]
    discrepancies: Annotated[
        int, doc("Discrepancies found (each is listed once, however often it is run)", 1)
    ]
