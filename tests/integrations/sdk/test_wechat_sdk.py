"""The WeChat mini-program server API through ``wechatpy``: the SDK fetches and caches its access
token (``GET /cgi-bin/token``), builds every call and maps ``errcode`` to its own exceptions; only
the host changes — its ``requests`` session sends ``https://api.weixin.qq.com/...`` to the twin.
Token, code2session, phone number, subscribe message, content check (v1 as the SDK sends it, and
v2), the legacy user-info decryption with the SDK's own crypto, and the card pack (card, api_ticket,
card_ext signed by the SDK's signer, code voided)."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import httpx
import pytest
import requests
from requests.adapters import HTTPAdapter
from wechatpy import WeChatClient
from wechatpy.crypto import WeChatWxaCrypto
from wechatpy.exceptions import InvalidAppIdException, WeChatClientException
from wechatpy.utils import WeChatSigner, check_wxa_signature

from integrations.wechat import SANDBOX_APPID, SANDBOX_SECRET, sandbox_openid, sandbox_phone

PLATFORM = "https://api.weixin.qq.com/"


class _ToTwin(HTTPAdapter):
    """Sends what the SDK addresses to ``api.weixin.qq.com`` to the twin, path and query intact."""

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self._base_url = base_url

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        assert request.url is not None
        request.url = self._base_url + request.url.removeprefix(PLATFORM)
        return super().send(request, *args, **kwargs)


def _sdk(sandbox_url: str, *, secret: str = SANDBOX_SECRET) -> Any:
    client = WeChatClient(SANDBOX_APPID, secret, timeout=10)
    client._http.trust_env = False  # loopback only, whatever the environment's proxies say
    client._http.mount(PLATFORM, _ToTwin(f"{sandbox_url}/wechat/"))
    return client


def _code(prefix: str, n: int) -> str:
    return f"{prefix}-{n}-{uuid.uuid4().hex[:12]}"  # each exact code works once


def test_token_is_fetched_once_and_cached(sandbox_url: str) -> None:
    client = _sdk(sandbox_url)
    token = client.access_token
    assert token.startswith("sandbox-at-")
    assert client.access_token == token
    assert 7000 < client.expires_at - time.time() <= 7200


def test_a_wrong_secret_is_the_sdks_client_exception(sandbox_url: str) -> None:
    with pytest.raises(WeChatClientException) as caught:
        _sdk(sandbox_url, secret="not-the-secret").fetch_access_token()
    assert caught.value.errcode == 40125


def test_code2session_then_phone_number(sandbox_url: str) -> None:
    client = _sdk(sandbox_url)
    session = client.wxa.code_to_session(_code("test-code", 5))
    assert session["openid"] == sandbox_openid(5)
    assert session["session_key"]
    phone = client.post(
        "wxa/business/getuserphonenumber", data={"code": _code("phone-code", 5)}, api_base_url=PLATFORM
    )
    assert phone["phone_info"]["purePhoneNumber"] == sandbox_phone(5)
    assert phone["phone_info"]["watermark"]["appid"] == SANDBOX_APPID


def test_a_reused_login_code_is_refused(sandbox_url: str) -> None:
    client = _sdk(sandbox_url)
    code = _code("test-code", 6)
    client.wxa.code_to_session(code)
    with pytest.raises(WeChatClientException) as caught:
        client.wxa.code_to_session(code)
    assert caught.value.errcode == 40163


def test_subscribe_message_is_sent_and_an_unknown_template_refused(sandbox_url: str) -> None:
    client = _sdk(sandbox_url)
    openid = client.wxa.code_to_session(_code("test-code", 8))["openid"]
    data = {"thing1": {"value": "居住证申领"}, "time2": {"value": "2025-01-01 10:00"}}
    sent = client.wxa.send_subscribe_message(openid, "sandbox-tpl-booking", data, page="pages/index")
    assert sent["errcode"] == 0
    with pytest.raises(WeChatClientException) as caught:
        client.wxa.send_subscribe_message(openid, "no-such-template", data)
    assert caught.value.errcode == 40037


def test_content_check_v1_as_the_sdk_sends_it(sandbox_url: str) -> None:
    client = _sdk(sandbox_url)
    assert client.wxa.check_text_security("宿迁欢迎你")["errcode"] == 0
    with pytest.raises(WeChatClientException) as caught:
        client.wxa.check_text_security("这是违禁内容")
    assert caught.value.errcode == 87014


def test_content_check_v2_through_the_sdks_client(sandbox_url: str) -> None:
    client = _sdk(sandbox_url)
    openid = client.wxa.code_to_session(_code("test-code", 9))["openid"]
    body = {"version": 2, "openid": openid, "scene": 2, "content": "内容待审"}
    verdict = client.post("wxa/msg_sec_check", data=body, api_base_url=PLATFORM)
    assert verdict["result"]["suggest"] == "review"


def test_user_info_verifies_and_decrypts_with_the_sdks_crypto(sandbox_url: str) -> None:
    client = _sdk(sandbox_url)
    session = client.wxa.code_to_session(_code("test-code", 10))
    shown = httpx.get(
        f"{sandbox_url}/wechat/user-info", params={"openid": session["openid"]}, trust_env=False
    ).json()
    check_wxa_signature(session["session_key"], shown["rawData"], shown["signature"])
    crypto = WeChatWxaCrypto(session["session_key"], shown["iv"], SANDBOX_APPID)
    assert crypto.decrypt_message(shown["encryptedData"])["openId"] == sandbox_openid(10)
    with pytest.raises(InvalidAppIdException):
        WeChatWxaCrypto(session["session_key"], shown["iv"], "wx-other").decrypt_message(
            shown["encryptedData"]
        )


_CARD = {
    "card_type": "MEMBER_CARD",
    "member_card": {
        "base_info": {
            "logo_url": "https://suqian.example/static/logo.png",
            "brand_name": "我的宿迁",
            "code_type": "CODE_TYPE_NONE",
            "title": "居民身份证",
            "color": "Color010",
            "notice": "打开亮证页出示",
            "description": "证照入口",
            "sku": {"quantity": 1000},
            "date_info": {"type": "DATE_TYPE_PERMANENT"},
            "use_custom_code": True,
            "bind_openid": True,
        },
        "prerogative": "证照入口",
        "supply_bonus": False,
        "supply_balance": False,
    },
}


def test_card_created_ticket_signed_added_and_voided_with_the_sdk(sandbox_url: str) -> None:
    """``client.card.create``, ``client.jsapi.get_jsapi_card_ticket`` and ``client.card.invalid_code``
    as the SDK sends them; the card_ext is signed with the SDK's own ``WeChatSigner``."""
    client = _sdk(sandbox_url)
    card_id = client.card.create({"card": _CARD})  # the SDK posts its argument as the body
    assert card_id.startswith("p")
    ticket = client.jsapi.get_jsapi_card_ticket()
    assert client.jsapi.get_jsapi_card_ticket() == ticket  # cached by the SDK's session

    openid, code = sandbox_openid(55), f"SDK{uuid.uuid4().hex[:10]}"
    timestamp, nonce = str(int(time.time())), uuid.uuid4().hex
    signer = WeChatSigner()
    signer.add_data(ticket, timestamp, card_id, code, openid, nonce)
    ext = {
        "code": code,
        "openid": openid,
        "timestamp": timestamp,
        "nonce_str": nonce,
        "signature": signer.signature,
    }
    added = httpx.post(
        f"{sandbox_url}/wechat/card-pack/add",
        json={"openid": openid, "cardList": [{"cardId": card_id, "cardExt": json.dumps(ext)}]},
        trust_env=False,
    )
    assert added.json()["errMsg"] == "addCard:ok"

    assert client.card.invalid_code(code, card_id)["errcode"] == 0
    with pytest.raises(WeChatClientException) as caught:
        client.card.invalid_code(code, card_id)
    assert caught.value.errcode == 40099
    pack = httpx.get(f"{sandbox_url}/wechat/card-pack", params={"openid": openid}, trust_env=False).json()
    assert [(c["code"], c["status"]) for c in pack] == [(code, "UNAVAILABLE")]
