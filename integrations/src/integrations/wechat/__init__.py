"""WeChat mini-program server API: login, phone number, access token, subscribe messages,
content checks, legacy open-data crypto, and the sandbox twin.

Usage::

    async with WeChatMiniProgram(UpstreamConfig(base_url=BASE_URL), appid=..., secret=...) as wx:
        session = await wx.code2session(js_code)        # session.openid, session.session_key
        phone = await wx.phone_number(phone_code)
        cards = WeChatCards(wx)                          # 卡包: templates, card_ext for wx.addCard
        item = await cards.add_card(card_id=card_id, code=code, openid=session.openid)

``session.session_key`` is a :class:`SessionKey`: keep it on the server (it prints as a mask
and cannot be JSON-encoded); never return it to the mini program.
"""

from integrations.wechat._cards import AddCard, WeChatCards, build_card_ext, card_ext_signature
from integrations.wechat._cards_twin import CardInPack, CardTwinState
from integrations.wechat._client import BASE_URL, WeChatMiniProgram, classify_wechat
from integrations.wechat._crypto import (
    decrypt_user_data,
    encrypt_user_data,
    login_state_signature,
    raw_data_signature,
    verify_raw_data,
)
from integrations.wechat._schemas import ContentCheck, PhoneNumber, WeChatSession
from integrations.wechat._session import SessionKey
from integrations.wechat._token import AccessTokenCache
from integrations.wechat._twin import (
    SANDBOX_APPID,
    SANDBOX_SECRET,
    SANDBOX_TEMPLATES,
    WeChatTwinState,
    create_wechat_twin,
    sandbox_openid,
    sandbox_phone,
    sandbox_unionid,
)
from integrations.wechat.errors import OpenDataRejected, OpenDataUndecryptable, WatermarkMismatch

__all__ = [
    "BASE_URL",
    "SANDBOX_APPID",
    "SANDBOX_SECRET",
    "SANDBOX_TEMPLATES",
    "AccessTokenCache",
    "AddCard",
    "CardInPack",
    "CardTwinState",
    "ContentCheck",
    "OpenDataRejected",
    "OpenDataUndecryptable",
    "PhoneNumber",
    "SessionKey",
    "WatermarkMismatch",
    "WeChatCards",
    "WeChatMiniProgram",
    "WeChatSession",
    "WeChatTwinState",
    "build_card_ext",
    "card_ext_signature",
    "classify_wechat",
    "create_wechat_twin",
    "decrypt_user_data",
    "encrypt_user_data",
    "login_state_signature",
    "raw_data_signature",
    "sandbox_openid",
    "sandbox_phone",
    "sandbox_unionid",
    "verify_raw_data",
]
