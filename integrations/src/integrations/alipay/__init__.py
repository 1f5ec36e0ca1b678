"""Alipay mini-program server side: login (``alipay.system.oauth.token``), phone-number
decryption, the RSA2 gateway channel the payment adapter shares, and the sandbox twin.

Usage::

    async with AlipayMiniProgram(UpstreamConfig(base_url=BASE_URL), app_id=..., aes_key=...,
                                 app_private_key=load_private_key(pem),
                                 alipay_public_key=load_public_key(console_text)) as ali:
        token = await ali.oauth_token(auth_code)        # token.subject: open_id or user_id
        mobile = ali.phone_number(res_response)         # verifies RSA2, then decrypts

        await ali.send_subscribe_message(user_id=token.subject, template_id=..., data={"keyword1": "..."})

    async with AlipayPasses(config, app_id=..., app_private_key=..., alipay_public_key=...) as passes:
        template = await passes.add_template(unique_id=..., tpl_content={...})   # 卡包
        issued = await passes.add_instance(tpl_id=template.tpl_id, tpl_params={...}, user_id=...)

``alipay_public_key`` is *Alipay's* key from the console, never the app's own.
"""

from integrations.alipay._client import (
    NO_SUBSCRIPTION,
    OAUTH_METHOD,
    SEND_METHOD,
    AlipayMiniProgram,
    AlipayToken,
)
from integrations.alipay._gateway import (
    BASE_URL,
    GATEWAY_PATH,
    AlipayAdapter,
    AlipayGateway,
    AlipaySigner,
    GatewayOptions,
    alipay_classifier,
    gateway_timestamp,
)
from integrations.alipay._gateway_twin import SANDBOX_APP_ID, GatewayKeys
from integrations.alipay._message_twin import SANDBOX_MESSAGE_TEMPLATES, MessageTwinState
from integrations.alipay._pass_twin import IssuedPass, PassTemplate, PassTwinState
from integrations.alipay._passes import AlipayPass, AlipayPasses, AlipayPassTemplate, PassStatus
from integrations.alipay._phone import decrypt_phone_number, encrypt_phone_number
from integrations.alipay._sign import (
    load_private_key,
    load_public_key,
    response_node,
    rsa2_sign,
    rsa2_verify,
    sign_content,
    verify_notification,
)
from integrations.alipay._twin import (
    AlipayTwinState,
    create_alipay_twin,
    sandbox_mobile,
    sandbox_open_id,
    sandbox_user_id,
)
from integrations.alipay.errors import PhoneNumberUndecryptable, SignTypeUnsupported

__all__ = [
    "BASE_URL",
    "GATEWAY_PATH",
    "NO_SUBSCRIPTION",
    "OAUTH_METHOD",
    "SANDBOX_APP_ID",
    "SANDBOX_MESSAGE_TEMPLATES",
    "SEND_METHOD",
    "AlipayAdapter",
    "AlipayGateway",
    "AlipayMiniProgram",
    "AlipayPass",
    "AlipayPassTemplate",
    "AlipayPasses",
    "AlipaySigner",
    "AlipayToken",
    "AlipayTwinState",
    "GatewayKeys",
    "GatewayOptions",
    "IssuedPass",
    "MessageTwinState",
    "PassStatus",
    "PassTemplate",
    "PassTwinState",
    "PhoneNumberUndecryptable",
    "SignTypeUnsupported",
    "alipay_classifier",
    "create_alipay_twin",
    "decrypt_phone_number",
    "encrypt_phone_number",
    "gateway_timestamp",
    "load_private_key",
    "load_public_key",
    "response_node",
    "rsa2_sign",
    "rsa2_verify",
    "sandbox_mobile",
    "sandbox_open_id",
    "sandbox_user_id",
    "sign_content",
    "verify_notification",
]
