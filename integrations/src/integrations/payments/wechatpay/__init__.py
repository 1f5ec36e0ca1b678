"""WeChat Pay API v3 for mini programs and apps: JSAPI and APP orders, query, refunds,
notifications, twin."""

from integrations.payments._notification import NotificationSink, SignedNotification
from integrations.payments.wechatpay._client import BASE_URL, WeChatPay, wechatpay_classifier
from integrations.payments.wechatpay._crypto import (
    SCHEMA,
    MerchantAuthorization,
    PlatformSignature,
    WeChatPaySigner,
    decrypt_resource,
    encrypt_resource,
    load_merchant_key,
    load_platform_key,
    parse_authorization,
    platform_signature_headers,
    rsa_sign,
    rsa_verify,
    verify_platform_signature,
)
from integrations.payments.wechatpay._schemas import (
    AppPayment,
    JsapiPayment,
    PaymentNotification,
    Refund,
    RefundNotice,
    Transaction,
)
from integrations.payments.wechatpay._twin import (
    SANDBOX_APP_APPID,
    SANDBOX_MCHID,
    SANDBOX_MERCHANT_SERIAL,
    SANDBOX_PLATFORM_SERIAL,
    WeChatPayTwinState,
    create_wechatpay_twin,
)

__all__ = [
    "BASE_URL",
    "SANDBOX_APP_APPID",
    "SANDBOX_MCHID",
    "SANDBOX_MERCHANT_SERIAL",
    "SANDBOX_PLATFORM_SERIAL",
    "SCHEMA",
    "AppPayment",
    "JsapiPayment",
    "MerchantAuthorization",
    "NotificationSink",
    "PaymentNotification",
    "PlatformSignature",
    "Refund",
    "RefundNotice",
    "SignedNotification",
    "Transaction",
    "WeChatPay",
    "WeChatPaySigner",
    "WeChatPayTwinState",
    "create_wechatpay_twin",
    "decrypt_resource",
    "encrypt_resource",
    "load_merchant_key",
    "load_platform_key",
    "parse_authorization",
    "platform_signature_headers",
    "rsa_sign",
    "rsa_verify",
    "verify_platform_signature",
    "wechatpay_classifier",
]
