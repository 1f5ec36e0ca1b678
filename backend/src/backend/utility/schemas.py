from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

import msgspec

from backend.fields import token_text

AccountNo = Annotated[str, token_text(r"[A-Za-z0-9]+", min_length=6, max_length=20)]
BillNo = Annotated[str, token_text(r"[A-Za-z0-9]+", min_length=6, max_length=40)]
Kind = Literal["water", "electricity", "gas"]
Channel = Literal["wechat_jsapi", "alipay_mini", "wechat_app", "alipay_app"]


class AccountCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    kind: Kind
    account_no: AccountNo


class AccountRead(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    kind: str
    account_no: str
    holder: str
    address: str
    created_at: datetime


class AccountPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[AccountRead]


class BillRead(msgspec.Struct, frozen=True, kw_only=True):
    bill_no: str
    kind: str
    period: str
    amount_fen: int
    due_date: str
    status: str


class BillPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[BillRead]


class BillPay(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    bill_no: BillNo
    channel: Channel


class PaymentRead(msgspec.Struct, frozen=True, kw_only=True):
    """A bill's payment: ``status`` ``pending`` (paying, or paid and being told to the utility),
    ``settled`` (``receipt_no`` is the utility's receipt) or ``refused`` (the utility would not take
    it — paid elsewhere meanwhile, or the bill changed — and the money is refunded in full)."""

    id: uuid.UUID
    order_id: uuid.UUID
    kind: str
    account_no: str
    bill_no: str
    period: str
    amount_fen: int
    status: Literal["pending", "settled", "refused"]
    receipt_no: str
    paid_at: datetime | None = None


class BillPaymentStarted(msgspec.Struct, frozen=True, kw_only=True):
    """Hand ``pay_arguments`` to the cashier: ``wx.requestPayment`` / ``my.tradePay`` in the mini
    programs, the WeChat Open SDK's ``PayReq`` / the Alipay SDK's ``orderStr`` in the app."""

    payment: PaymentRead
    order_status: str
    expires_at: datetime
    pay_arguments: dict[str, str]
