"""The card-pack adapters decode the platforms' documented answers, replayed byte for byte: WeChat's
card examples (``card_id``, the ``wx_card`` ticket, ``errcode`` 40056), and Alipay's ``alipay.pass.*``
nodes, whose ``result`` is a JSON string and ``success`` a boolean in the docs' examples and a
string in the SDK models (both are read), signed with the fixture Alipay key."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import httpx
import pytest

from integrations import ManualClock, UpstreamConfig, UpstreamMalformed, UpstreamRejected
from integrations.alipay import AlipayPasses, load_private_key, rsa2_sign
from integrations.wechat import SANDBOX_APPID, WeChatCards, WeChatMiniProgram

FIXTURES = Path(__file__).parent / "fixtures"
RECORDED: dict[str, Any] = json.loads((FIXTURES / "wechat" / "recorded_responses.json").read_text("utf-8"))
ALIPAY_KEY = load_private_key((FIXTURES / "alipay" / "keys" / "alipay_private.pem").read_text())
APP_KEY = load_private_key((FIXTURES / "alipay" / "keys" / "app_private.pem").read_text())


def wechat_cards(overrides: dict[str, Any] | None = None) -> tuple[WeChatMiniProgram, WeChatCards]:
    answers = {**RECORDED, **(overrides or {})}

    def answer(request: httpx.Request) -> httpx.Response:
        body = json.dumps(answers[request.url.path], ensure_ascii=False).encode()
        return httpx.Response(200, content=body, headers={"content-type": "application/json"})

    clock = ManualClock()
    mp = WeChatMiniProgram(
        UpstreamConfig(base_url="https://api.weixin.qq.com"),
        appid=SANDBOX_APPID,
        secret="s",
        transport=httpx.MockTransport(answer),
        clock=clock,
        rng=random.Random(1),
        audit=lambda _: None,
    )
    return mp, WeChatCards(mp, clock=clock, rng=random.Random(2))


async def test_recorded_card_create_ticket_and_void_decode() -> None:
    mp, cards = wechat_cards()
    async with mp:
        assert await cards.create_card({"card_type": "MEMBER_CARD"}) == "p1Pj9jr90_SQRaVqYI239Ka1erkI"
        item = await cards.add_card(card_id="p1Pj9jr90_SQRaVqYI239Ka1erkI", code="SQ1", openid="o1")
        assert json.loads(item.card_ext)["code"] == "SQ1"
        assert await cards.api_ticket() == RECORDED["/cgi-bin/ticket/getticket"]["ticket"]
        await cards.make_unavailable(card_id="p1Pj9jr90_SQRaVqYI239Ka1erkI", code="SQ1")


async def test_recorded_invalid_serial_code_is_rejected_with_its_errcode() -> None:
    mp, cards = wechat_cards({"/card/code/unavailable": RECORDED["errors"]["invalid_serial_code"]})
    async with mp:
        with pytest.raises(UpstreamRejected) as caught:
            await cards.make_unavailable(card_id="p1", code="nope")
    assert caught.value.code == "40056"


def signed(method: str, node: dict[str, Any]) -> str:
    text = json.dumps(node, ensure_ascii=False, separators=(",", ":"))
    key = method.replace(".", "_") + "_response"
    return f'{{"{key}":{text},"sign":"{rsa2_sign(text, ALIPAY_KEY)}"}}'


def alipay_passes(raw: str) -> AlipayPasses:
    def answer(_: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=raw.encode(), headers={"content-type": "text/html"})

    return AlipayPasses(
        UpstreamConfig(base_url="https://openapi.alipay.com"),
        app_id="2021000000000001",
        app_private_key=APP_KEY,
        alipay_public_key=ALIPAY_KEY.public_key(),
        transport=httpx.MockTransport(answer),
        clock=ManualClock(),
        rng=random.Random(1),
        audit=lambda _: None,
    )


TEMPLATE_RESULT = '{"tpl_id":"2015060410193003543843233","tpl_params":["title","serialNumber"]}'
INSTANCE_RESULT = (
    '{"serialNumber":"SQ0001","passId":"20170131000000000001",'
    '"operation":"ADD","errorCode":"1000","errorMsg":""}'
)


@pytest.mark.parametrize("success", [True, "true"])
async def test_documented_template_answer_decodes(success: bool | str) -> None:
    node = {"code": "10000", "msg": "Success", "success": success, "result": TEMPLATE_RESULT}
    async with alipay_passes(signed("alipay.pass.template.add", node)) as passes:
        template = await passes.add_template(unique_id="u", tpl_content={"logo": "x", "content": {}})
    assert (template.tpl_id, template.tpl_params) == ("2015060410193003543843233", ("title", "serialNumber"))


async def test_documented_instance_answer_decodes() -> None:
    node = {"code": "10000", "msg": "Success", "success": "true", "result": INSTANCE_RESULT}
    async with alipay_passes(signed("alipay.pass.instance.add", node)) as passes:
        issued = await passes.add_instance(
            tpl_id="t", tpl_params={"title": "居民身份证"}, user_id="2088000000000001"
        )
    assert (issued.serial_number, issued.pass_id) == ("SQ0001", "20170131000000000001")


async def test_a_result_that_is_not_json_is_malformed() -> None:
    node = {"code": "10000", "msg": "Success", "success": "true", "result": "not json"}
    async with alipay_passes(signed("alipay.pass.instance.update", node)) as passes:
        with pytest.raises(UpstreamMalformed):
            await passes.update_instance(serial_number="SQ0001", channel_id="c", status="CLOSED")
