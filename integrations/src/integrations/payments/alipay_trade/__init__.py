"""Alipay mini-program and app payments: trade create/query/close/refund, refund query, the app's
order string, notifications, sandbox twin."""

from integrations.payments._money import fen_to_yuan, yuan_to_fen
from integrations.payments.alipay_trade._app import APP_PAY_METHOD, app_order_string
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
    SANDBOX_MOBILE_APP_ID,
    SANDBOX_SELLER_ID,
    AlipayPayTwinState,
    create_alipay_pay_twin,
)

__all__ = [
    "APP_PAY_METHOD",
    "NOTIFICATION_ACK",
    "NOTIFICATION_MAX_AGE_SECONDS",
    "SANDBOX_MOBILE_APP_ID",
    "SANDBOX_SELLER_ID",
    "AlipayPayTwinState",
    "AlipayPayments",
    "AlipayRefund",
    "AlipayRefundQuery",
    "AlipayTrade",
    "AlipayTradeCreated",
    "AlipayTradeNotification",
    "app_order_string",
    "create_alipay_pay_twin",
    "fen_to_yuan",
    "yuan_to_fen",
]
