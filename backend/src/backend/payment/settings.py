"""The payment section of the settings (``SUQIAN_PAYMENT_*``).

In the embedded default (sandbox upstreams) both platforms are the sandbox twins and their keys are
read from the twins; in production each platform is on when its merchant fields are set.
"""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import Meta


class PaymentSettings(msgspec.Struct, frozen=True, kw_only=True):
    # An unpaid order lives 15 min, then is closed (WeChat's prepay_id lives 2 h; a payable held
    # longer than a quarter of an hour blocks others: a ticket, a parking slot).
    order_ttl: Annotated[int, Meta(ge=60, le=7200)] = 900
    # An order the platform has not told us about for this long is asked about (WeChat retries its
    # notification from 15 s on; a minute without one means look).
    query_after: Annotated[int, Meta(ge=5, le=3600)] = 60
    # How often a worker expires, queries and retries what is owed.
    sweep_every: Annotated[float, Meta(ge=0.5, le=600)] = 15.0
    # How often a worker checks whether yesterday's bills are reconciled (bills are ready at 10:00
    # Beijing time; a run is once per platform and day, whoever runs it).
    reconcile_every: Annotated[float, Meta(ge=1, le=86_400)] = 3600.0
    # Where the platforms POST notifications: <notify_base_url>/api/v1/payments/notify/<platform>.
    notify_base_url: str = "http://127.0.0.1:8000"
    # WeChat Pay v3 (production): merchant id, API certificate serial and key (PEM), the platform's
    # public keys by serial (PEM), the 32-byte APIv3 key, the mini program's appid.
    wechatpay_appid: str = ""
    wechatpay_mchid: str = ""
    wechatpay_merchant_serial: str = ""
    wechatpay_merchant_private_key: str = ""
    wechatpay_platform_keys: dict[str, str] = msgspec.field(default_factory=dict)
    wechatpay_apiv3_key: str = ""
    # Our mobile app's Open Platform AppID, bound to the same merchant: the wechat_app channel.
    wechatpay_app_appid: str = ""
    # Alipay (production): the mini program's app id, its private key and Alipay's public key (PEM),
    # our seller (PID).
    alipay_app_id: str = ""
    alipay_private_key: str = ""
    alipay_public_key: str = ""
    alipay_seller_id: str = ""
    # Our mobile app's APPID (the same key pair as the mini program's): the alipay_app channel.
    alipay_mobile_app_id: str = ""
