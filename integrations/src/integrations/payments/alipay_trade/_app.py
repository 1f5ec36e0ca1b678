"""``alipay.trade.app.pay``: a payment in the Alipay app, opened by our mobile app.

No gateway call: the server signs the request the Alipay app will send (the *order string*), the
mobile app hands it to the Alipay SDK (``payV2`` / ``payOrder``), and Alipay creates the trade when
its cashier opens and notifies like any other trade. The string is the gateway's common parameters,
``notify_url`` and ``biz_content`` (``product_code`` ``QUICK_MSECURITY_PAY``), sorted, each value
URL-encoded, ``sign`` (RSA2 over the raw values) last — what python-alipay-sdk's
``api_alipay_trade_app_pay`` builds. It carries a ``timestamp`` the gateway holds to 15 minutes:
sign it when the app asks, never store it.
"""

from __future__ import annotations

from urllib.parse import quote_plus

import msgspec
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

from integrations.alipay import gateway_timestamp, rsa2_sign, sign_content
from integrations.payments._money import fen_to_yuan

APP_PAY_METHOD = "alipay.trade.app.pay"
APP_PAY_PRODUCT = "QUICK_MSECURITY_PAY"


def app_order_string(
    *,
    app_id: str,
    private_key: RSAPrivateKey,
    out_trade_no: str,
    subject: str,
    amount_fen: int,
    notify_url: str,
    time_expire: str | None,
    now: float,
) -> str:
    """The signed order string for the Alipay SDK; ``time_expire`` (``yyyy-MM-dd HH:mm:ss``,
    Beijing) is when Alipay stops taking the payment."""
    if amount_fen <= 0:
        raise ValueError("amount_fen must be a positive number of fen")
    biz = {
        "out_trade_no": out_trade_no,
        "total_amount": fen_to_yuan(amount_fen),
        "subject": subject,
        "product_code": APP_PAY_PRODUCT,
    }
    if time_expire is not None:
        biz["time_expire"] = time_expire
    params = {
        "app_id": app_id,
        "method": APP_PAY_METHOD,
        "format": "JSON",
        "charset": "utf-8",
        "sign_type": "RSA2",
        "timestamp": gateway_timestamp(now),
        "version": "1.0",
        "notify_url": notify_url,
        "biz_content": msgspec.json.encode(biz).decode(),
    }
    sign = rsa2_sign(sign_content(params), private_key)
    ordered = "&".join(f"{key}={quote_plus(params[key])}" for key in sorted(params))
    return f"{ordered}&sign={quote_plus(sign)}"
