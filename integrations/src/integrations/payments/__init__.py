"""Payments: WeChat Pay API v3 (:mod:`integrations.payments.wechatpay`) and Alipay trades
(:mod:`integrations.payments.alipay_trade`). Amounts are integers in fen everywhere;
``out_trade_no`` / ``out_refund_no`` are the idempotency keys."""

from integrations.payments.errors import (
    MerchantMismatch,
    NotificationMalformed,
    NotificationRejected,
    ResourceUndecryptable,
)

__all__ = [
    "MerchantMismatch",
    "NotificationMalformed",
    "NotificationRejected",
    "ResourceUndecryptable",
]
