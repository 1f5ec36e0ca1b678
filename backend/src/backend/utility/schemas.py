from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

import msgspec

from backend.fields import doc, token_text
from backend.payment.schemas import PayChannel

AccountNo = Annotated[str, token_text(r"[A-Za-z0-9]+", min_length=6, max_length=20)]
BillNo = Annotated[str, token_text(r"[A-Za-z0-9]+", min_length=6, max_length=40)]
Kind = Literal["water", "electricity", "gas"]


class AccountCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    kind: Annotated[Kind, doc("The utility: `water`, `electricity` or `gas`", "water")]
    account_no: Annotated[
        AccountNo,
        doc(
            "The account number (户号) printed on the utility's bill: 6–20 letters and digits",
            "3213020012345",
        ),
    ]


class AccountRead(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    kind: Annotated[str, doc("The utility: `water`, `electricity` or `gas`", "water")]
    account_no: Annotated[str, doc("The account number (户号)", "3213020012345")]
    holder: Annotated[str, doc("The account holder's name, masked by the utility", "张*")]
    address: Annotated[
        str, doc("The metered address, as the utility has it", "宿城区幸福中路88号3栋1单元502室")
    ]
    created_at: datetime


class AccountPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[AccountRead]


class BillRead(msgspec.Struct, frozen=True, kw_only=True):
    bill_no: Annotated[str, doc("The bill's number at the utility: pay it with this", "3213020012345202611")]
    kind: Annotated[str, doc("The utility: `water`, `electricity` or `gas`", "electricity")]
    period: Annotated[str, doc("The month billed (YYYY-MM)", "2026-11")]
    amount_fen: int
    due_date: Annotated[str, doc("The day the bill is due (YYYY-MM-DD)", "2026-12-15")]
    status: Annotated[str, doc("`unpaid` or `paid`, as the utility says", "unpaid")]


class BillPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[BillRead]


class BillPay(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    bill_no: Annotated[BillNo, doc("The bill to pay (its `bill_no`)", "3213020012345202611")]
    channel: PayChannel


class PaymentRead(msgspec.Struct, frozen=True, kw_only=True):
    """A bill's payment: ``status`` ``pending`` (paying, or paid and being told to the utility),
    ``settled`` (``receipt_no`` is the utility's receipt) or ``refused`` (the utility would not take
    it — paid elsewhere meanwhile, or the bill changed — and the money is refunded in full)."""

    id: uuid.UUID
    order_id: uuid.UUID
    kind: Annotated[str, doc("The utility: `water`, `electricity` or `gas`", "electricity")]
    account_no: Annotated[str, doc("The account number (户号) paid for", "3213020012345")]
    bill_no: Annotated[str, doc("The bill paid", "3213020012345202611")]
    period: Annotated[str, doc("The month billed (YYYY-MM)", "2026-11")]
    amount_fen: int
    status: Annotated[
        Literal["pending", "settled", "refused"],
        doc(
            "`pending` (paying, or paid and being told to the utility), `settled` "
            "(see `receipt_no`) or `refused` (the utility would not take it; refunded "
            "in full)",
            "settled",
        ),
    ]
    receipt_no: Annotated[
        str, doc("The utility's receipt number once settled; empty before", "SD20261203000456")
    ]
    paid_at: datetime | None = None


class BillPaymentStarted(msgspec.Struct, frozen=True, kw_only=True):
    """Hand ``pay_arguments`` to the cashier: ``wx.requestPayment`` / ``my.tradePay`` in the mini
    programs, the WeChat Open SDK's ``PayReq`` / the Alipay SDK's ``orderStr`` in the app."""

    payment: PaymentRead
    order_status: str
    expires_at: datetime
    pay_arguments: dict[str, str]
