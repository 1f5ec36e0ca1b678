from piccolo.columns import UUID, Boolean, Date, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table


class PaymentOrder(Table, tablename="payment_order"):
    """One order for one payable of one feature. Amounts are integer fen. ``status`` is the ledger's
    state (``backend.payment.ledger.derive``), written by the same conditional UPDATE that appends
    each event. Unique on ``out_trade_no``; on ``(platform, transaction_id)``; and on ``(owner,
    payable)`` among live orders (pending or paid): one payable is never charged twice (see the
    migration)."""

    id = UUID(primary_key=True)
    out_trade_no = Varchar(length=32, unique=True)
    citizen_id = UUID()
    owner = Varchar(length=32)
    payable = Varchar(length=64)
    description = Varchar(length=127)
    amount_fen = Integer()
    currency = Varchar(length=3)
    channel = Varchar(length=16)
    platform = Varchar(length=16)
    payer = Varchar(length=64)
    # The person at the cashier when the order is an organisation's (``citizen_id``): whose platform
    # id ``payer`` is, so their account's closure blanks it (``privacy.py``). None: the owner paid.
    payer_citizen_id = UUID(null=True, default=None)
    status = Varchar(length=24)
    # The platform's prepay id (WeChat) or trade number (Alipay): pay arguments are rebuilt from it.
    prepay = Varchar(length=64)
    transaction_id = Varchar(length=64, null=True, default=None)
    paid_fen = Integer(default=0)
    # Refunds asked for (reserved by a conditional UPDATE) and those the platform confirmed.
    refund_reserved_fen = Integer(default=0)
    refunded_fen = Integer(default=0)
    created_at = Timestamptz()
    expires_at = Timestamptz()
    paid_at = Timestamptz(null=True, default=None)
    closed_at = Timestamptz(null=True, default=None)
    # Closed at the platform too (an order we closed while the platform was down is retried).
    platform_closed = Boolean(default=False)
    # When the platform was last asked about this order (active query).
    queried_at = Timestamptz(null=True, default=None)


class PaymentEvent(Table, tablename="payment_event"):
    """The append-only ledger: one row per fact about an order, never updated or deleted. Unique on
    ``(order_id, kind, reference)``: a fact is recorded once however often it is reported."""

    id = UUID(primary_key=True)
    order_id = UUID(index=True)
    kind = Varchar(length=24)
    amount_fen = Integer()
    # The platform's transaction id, our refund number, or "" for facts with none.
    reference = Varchar(length=64)
    # Who told us: request, notification, query, expiry, operator, reconciliation.
    source = Varchar(length=16)
    at = Timestamptz()
    data = Text(default="{}")


class PaymentRefund(Table, tablename="payment_refund"):
    """One refund of an order: ``out_refund_no`` is its idempotency key at the platform."""

    id = UUID(primary_key=True)
    order_id = UUID(index=True)
    out_refund_no = Varchar(length=64, unique=True)
    amount_fen = Integer()
    reason = Varchar(length=80)
    status = Varchar(length=16)
    refund_id = Varchar(length=64, null=True, default=None)
    requested_by = Varchar(length=64)
    created_at = Timestamptz()
    settled_at = Timestamptz(null=True, default=None)


class PaymentDiscrepancy(Table, tablename="payment_discrepancy"):
    """Something operators must look at: a notification refused for its amount or merchant, a late
    payment refunded, a bill line missing on either side or with another amount. ``key`` is unique,
    so the same finding reported twice is one row."""

    id = UUID(primary_key=True)
    key = Varchar(length=200, unique=True)
    kind = Varchar(length=24)
    platform = Varchar(length=16)
    bill_date = Date(null=True, default=None)
    out_trade_no = Varchar(length=64)
    reference = Varchar(length=64)
    ours_fen = Integer(null=True, default=None)
    theirs_fen = Integer(null=True, default=None)
    detail = Varchar(length=200)
    status = Varchar(length=16)
    note = Varchar(length=200)
    resolved_by = Varchar(length=64)
    resolved_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz()


class PaymentReconciliation(Table, tablename="payment_reconciliation"):
    """One platform's bill of one day, reconciled once (unique on ``key`` = platform:date)."""

    id = UUID(primary_key=True)
    key = Varchar(length=40, unique=True)
    platform = Varchar(length=16)
    bill_date = Date()
    lines = Integer()
    discrepancies = Integer()
    ran_at = Timestamptz()
