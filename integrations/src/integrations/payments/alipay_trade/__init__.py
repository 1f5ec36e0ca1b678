"""Alipay mini-program payments: trade create/query/close/refund, refund query, notifications,
sandbox twin."""

from integrations.payments._money import fen_to_yuan, yuan_to_fen
from integrations.payments.alipay_trade._client import (
    NOTIFICATION_ACK,
    NOTIFICATION_MAX_AGE_SECONDS,
    AlipayPayments,
    AlipayRefund,
    AlipayRefundQuery,
    AlipayTrade,
    AlipayTradeCreated,
    AlipayTradeNotification,
)
from integrations.payments.alipay_trade._twin import (
    SANDBOX_SELLER_ID,
    AlipayPayTwinState,
    create_alipay_pay_twin,
)

__all__ = [
    "NOTIFICATION_ACK",
    "NOTIFICATION_MAX_AGE_SECONDS",
    "SANDBOX_SELLER_ID",
    "AlipayPayTwinState",
    "AlipayPayments",
    "AlipayRefund",
    "AlipayRefundQuery",
    "AlipayTrade",
    "AlipayTradeCreated",
    "AlipayTradeNotification",
    "create_alipay_pay_twin",
    "fen_to_yuan",
    "yuan_to_fen",
]
