"""The payment platforms' adapters, built from the settings: the sandbox twins' published keys in the
embedded default (and their notifications delivered in-process), the merchant's own in production."""

from __future__ import annotations

import logging

from backend.payment.platforms import PaymentPlatforms
from backend.payment.settings import PaymentSettings
from backend.settings import UpstreamSettings
from integrations import BreakerPolicy, UpstreamConfig, alipay, log_audit_event
from integrations.payments import alipay_trade, wechatpay
from integrations.payments.alipay_trade import AlipayPayments
from integrations.payments.wechatpay import WeChatPay
from integrations.sandbox import Sandbox
from integrations.sandbox.inprocess import SANDBOX_BASE_URL, in_process_transport

log = logging.getLogger("backend.payment")


def _config(upstream: UpstreamSettings, base_url: str) -> UpstreamConfig:
    return UpstreamConfig(
        base_url=base_url,
        connect_timeout=upstream.connect_timeout,
        read_timeout=upstream.read_timeout,
        total_timeout=upstream.total_timeout,
        breaker=BreakerPolicy(open_seconds=upstream.breaker_open_seconds),
    )


def build_platforms(
    settings: PaymentSettings, upstream: UpstreamSettings, sandbox: Sandbox | None
) -> PaymentPlatforms:
    if sandbox is not None:
        return _sandboxed(settings, upstream, sandbox)
    wechat: WeChatPay | None = None
    if settings.wechatpay_mchid:
        wechat = WeChatPay(
            _config(upstream, upstream.base_urls.get("wechatpay", wechatpay.BASE_URL)),
            appid=settings.wechatpay_appid,
            mchid=settings.wechatpay_mchid,
            merchant_serial=settings.wechatpay_merchant_serial,
            merchant_private_key=wechatpay.load_merchant_key(settings.wechatpay_merchant_private_key),
            platform_keys={
                serial: wechatpay.load_platform_key(pem)
                for serial, pem in settings.wechatpay_platform_keys.items()
            },
            apiv3_key=settings.wechatpay_apiv3_key.encode(),
            app_appid=settings.wechatpay_app_appid or None,
            audit=log_audit_event,
        )
    payments: AlipayPayments | None = None
    if settings.alipay_app_id:
        payments = AlipayPayments(
            _config(upstream, upstream.base_urls.get("alipay_pay", alipay.BASE_URL)),
            app_id=settings.alipay_app_id,
            app_private_key=alipay.load_private_key(settings.alipay_private_key),
            alipay_public_key=alipay.load_public_key(settings.alipay_public_key),
            seller_id=settings.alipay_seller_id or None,
            mobile_app_id=settings.alipay_mobile_app_id or None,
            audit=log_audit_event,
        )
    return PaymentPlatforms(wechatpay=wechat, alipay=payments, notify_base_url=settings.notify_base_url)


def _sandboxed(settings: PaymentSettings, upstream: UpstreamSettings, sandbox: Sandbox) -> PaymentPlatforms:
    transport = in_process_transport(sandbox)
    wechat_twin = sandbox.state("wechatpay")
    alipay_twin = sandbox.state("alipay_pay")
    assert isinstance(wechat_twin, wechatpay.WeChatPayTwinState)
    assert isinstance(alipay_twin, alipay_trade.AlipayPayTwinState)
    keys = wechat_twin.public()
    wechat = WeChatPay(
        _config(upstream, f"{SANDBOX_BASE_URL}/wechatpay"),
        appid=keys["appid"],
        mchid=keys["mchid"],
        merchant_serial=keys["merchant_serial"],
        merchant_private_key=wechatpay.load_merchant_key(keys["merchant_private_key"]),
        platform_keys={keys["platform_serial"]: wechatpay.load_platform_key(keys["platform_public_key"])},
        apiv3_key=keys["apiv3_key"].encode(),
        app_appid=keys["app_appid"],
        transport=transport,
        audit=log_audit_event,
    )
    gateway = alipay_twin.gateway.keys.public()
    payments = AlipayPayments(
        _config(upstream, f"{SANDBOX_BASE_URL}/alipay_pay"),
        app_id=gateway["app_id"],
        app_private_key=alipay.load_private_key(gateway["app_private_key"]),
        alipay_public_key=alipay.load_public_key(gateway["alipay_public_key"]),
        seller_id=alipay_twin.seller_id,
        mobile_app_id=alipay_twin.mobile_app_id,
        bill_base_url=f"{SANDBOX_BASE_URL}/alipay_pay",
        transport=transport,
        audit=log_audit_event,
    )
    return PaymentPlatforms(wechatpay=wechat, alipay=payments, notify_base_url=settings.notify_base_url)
