"""WeChat Pay v3 wire shapes. Amounts are integers in fen, as on the wire."""

from __future__ import annotations

from typing import Literal

import msgspec

TradeState = Literal["SUCCESS", "REFUND", "NOTPAY", "CLOSED", "REVOKED", "USERPAYING", "PAYERROR"]
RefundStatus = Literal["SUCCESS", "CLOSED", "PROCESSING", "ABNORMAL"]


class OrderAmount(msgspec.Struct, frozen=True):
    total: int
    currency: str = "CNY"


class Payer(msgspec.Struct, frozen=True):
    openid: str


class JsapiOrderBody(msgspec.Struct, frozen=True, omit_defaults=True):
    appid: str
    mchid: str
    description: str
    out_trade_no: str
    notify_url: str
    amount: OrderAmount
    payer: Payer
    attach: str | None = None


class AppOrderBody(msgspec.Struct, frozen=True, omit_defaults=True):
    """``POST /v3/pay/transactions/app``: the JSAPI order without ``payer`` (the app's user pays in
    WeChat; the platform learns who only then), under the mobile app's ``appid``."""

    appid: str
    mchid: str
    description: str
    out_trade_no: str
    notify_url: str
    amount: OrderAmount
    attach: str | None = None


class PrepayBody(msgspec.Struct, frozen=True):
    prepay_id: str


class JsapiPayment(msgspec.Struct, frozen=True, rename="camel"):
    """The five arguments of ``wx.requestPayment``, signed with the merchant key.

    Encodes as ``{"timeStamp", "nonceStr", "package", "signType", "paySign"}``: hand it to the
    mini program unchanged. ``prepay_id`` is valid for two hours.
    """

    time_stamp: str
    nonce_str: str
    package: str
    sign_type: str
    pay_sign: str


class AppPayment(msgspec.Struct, frozen=True):
    """The fields of the WeChat Open SDK's ``PayReq`` (APP调起支付), signed with the merchant key
    over ``appid\ntimestamp\nnoncestr\nprepayid\n``; ``package`` is the fixed ``Sign=WXPay``.
    Hand it to the app unchanged; ``prepayid`` is valid for two hours."""

    appid: str
    partnerid: str
    prepayid: str
    package: str
    noncestr: str
    timestamp: str
    sign: str


class TransactionAmount(msgspec.Struct, frozen=True):
    total: int
    payer_total: int | None = None
    currency: str = "CNY"
    payer_currency: str | None = None


class Transaction(msgspec.Struct, frozen=True, kw_only=True):
    """A payment as WeChat Pay reports it (order query or decrypted notification)."""

    appid: str
    mchid: str
    out_trade_no: str
    trade_state: TradeState
    amount: TransactionAmount | None = None
    transaction_id: str | None = None
    trade_type: str | None = None
    trade_state_desc: str | None = None
    success_time: str | None = None
    payer: Payer | None = None
    attach: str | None = None


class RefundAmountBody(msgspec.Struct, frozen=True):
    refund: int
    total: int
    currency: str = "CNY"


class RefundRequestBody(msgspec.Struct, frozen=True, omit_defaults=True):
    out_trade_no: str
    out_refund_no: str
    amount: RefundAmountBody
    reason: str | None = None
    notify_url: str | None = None


class RefundAmount(msgspec.Struct, frozen=True):
    refund: int
    total: int
    payer_total: int | None = None
    payer_refund: int | None = None
    currency: str = "CNY"


class Refund(msgspec.Struct, frozen=True, kw_only=True):
    """A refund as WeChat Pay reports it; ``PROCESSING`` until its notification arrives."""

    refund_id: str
    out_refund_no: str
    out_trade_no: str
    status: RefundStatus
    amount: RefundAmount
    transaction_id: str | None = None
    create_time: str | None = None
    success_time: str | None = None
    channel: str | None = None
    user_received_account: str | None = None
    funds_account: str | None = None


class RefundNotice(msgspec.Struct, frozen=True, kw_only=True):
    """Decrypted ``REFUND.*`` notification resource."""

    mchid: str
    out_trade_no: str
    out_refund_no: str
    refund_id: str
    refund_status: RefundStatus
    amount: RefundAmount
    transaction_id: str | None = None
    success_time: str | None = None


class EncryptedResource(msgspec.Struct, frozen=True):
    original_type: str
    algorithm: str
    ciphertext: str
    nonce: str
    associated_data: str = ""


class NotificationBody(msgspec.Struct, frozen=True):
    id: str
    create_time: str
    event_type: str
    resource_type: str
    resource: EncryptedResource
    summary: str = ""


class PaymentNotification(msgspec.Struct, frozen=True, kw_only=True):
    """A verified, decrypted notification. Store ``id`` (≥ 48 h) to ignore redeliveries.

    ``resource`` is a :class:`Transaction` for ``TRANSACTION.*`` and a :class:`RefundNotice`
    for ``REFUND.*`` events.
    """

    id: str
    event_type: str
    create_time: str
    summary: str
    resource: Transaction | RefundNotice


class CloseBody(msgspec.Struct, frozen=True):
    mchid: str


class BillMeta(msgspec.Struct, frozen=True):
    """``GET /v3/bill/tradebill``: where the day's bill is, and its digest."""

    hash_type: str
    hash_value: str
    download_url: str
