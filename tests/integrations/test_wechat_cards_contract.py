"""Contract tests: the WeChat card-pack adapter against the WeChat twin over real loopback HTTP —
a card template, the ``wx_card`` api_ticket, a ``card_ext`` the user's ``wx.addCard`` accepts
(the twin's control route stands in for the user), and a code withdrawn."""

from __future__ import annotations

import contextlib
import random
from collections.abc import AsyncIterator
from typing import Any

import httpx
import msgspec
import pytest
from wechatpy.utils import WeChatSigner

from integrations import ManualClock, UpstreamConfig, UpstreamRejected
from integrations.sandbox import Sandbox, create_sandbox
from integrations.wechat import (
    SANDBOX_APPID,
    SANDBOX_SECRET,
    AddCard,
    WeChatCards,
    WeChatMiniProgram,
    WeChatTwinState,
    build_card_ext,
    card_ext_signature,
    create_wechat_twin,
    sandbox_openid,
)

CARD: dict[str, Any] = {
    "card_type": "MEMBER_CARD",
    "member_card": {
        "base_info": {
            "logo_url": "https://suqian.example/static/logo.png",
            "brand_name": "我的宿迁",
            "code_type": "CODE_TYPE_NONE",
            "title": "居民身份证",
            "color": "Color010",
            "notice": "出示时请打开亮证页",
            "description": "电子证照的入口；证照真伪以亮证二维码核验为准。",
            "sku": {"quantity": 100000000},
            "date_info": {"type": "DATE_TYPE_PERMANENT"},
            "use_custom_code": True,
            "get_limit": 1,
            "center_title": "亮证",
            "center_app_brand_user_name": "gh_sandbox000001@app",
            "center_app_brand_pass": "pages/licence/show?kind=JMSFZ",
        },
        "prerogative": "证照入口",
        "supply_bonus": False,
        "supply_balance": False,
    },
}


class Rig:
    def __init__(self, sandbox: Sandbox, cards: WeChatCards, base_url: str, clock: ManualClock) -> None:
        self.sandbox, self.cards, self.base_url, self.clock = sandbox, cards, base_url, clock

    @property
    def state(self) -> WeChatTwinState:
        state = self.sandbox.twins["wechat"].state
        assert isinstance(state, WeChatTwinState)
        return state

    async def user_adds(self, openid: str, *items: AddCard | dict[str, str]) -> httpx.Response:
        card_list = [item.card_list_item() if isinstance(item, AddCard) else item for item in items]
        async with httpx.AsyncClient(trust_env=False) as http:
            return await http.post(
                f"{self.base_url}/wechat/card-pack/add", json={"openid": openid, "cardList": card_list}
            )

    async def pack(self, openid: str) -> list[dict[str, Any]]:
        async with httpx.AsyncClient(trust_env=False) as http:
            shown: list[dict[str, Any]] = (
                await http.get(f"{self.base_url}/wechat/card-pack", params={"openid": openid})
            ).json()
        return shown


@contextlib.asynccontextmanager
async def make_rig(serve_loopback: Any) -> AsyncIterator[Rig]:
    clock = ManualClock()
    sandbox = create_sandbox(clock=clock, systems={"wechat": create_wechat_twin})
    async with serve_loopback(sandbox) as base_url:
        config = UpstreamConfig(base_url=f"{base_url}/wechat")
        mp = WeChatMiniProgram(
            config,
            appid=SANDBOX_APPID,
            secret=SANDBOX_SECRET,
            clock=clock,
            rng=random.Random(2),
            audit=lambda _: None,
        )
        async with mp:
            yield Rig(sandbox, WeChatCards(mp, clock=clock, rng=random.Random(3)), base_url, clock)


async def test_card_is_created_and_the_ticket_cached(serve_loopback: Any) -> None:
    async with make_rig(serve_loopback) as rig:
        card_id = await rig.cards.create_card(CARD)
        assert card_id.startswith("p")
        assert len(card_id) == 28
        ticket = await rig.cards.api_ticket()
        assert await rig.cards.api_ticket() == ticket
        assert rig.cards.tickets.fetches == 1


async def test_a_card_missing_a_required_field_is_refused_with_its_name(serve_loopback: Any) -> None:
    async with make_rig(serve_loopback) as rig:
        too_long = {**CARD["member_card"]["base_info"], "title": "个体工商户营业执照副本一"}
        with pytest.raises(UpstreamRejected) as caught:
            await rig.cards.create_card(
                {**CARD, "member_card": {**CARD["member_card"], "base_info": too_long}}
            )
        assert caught.value.code == "40097"
        assert "base_info.title" in caught.value.upstream_message


async def test_signed_card_ext_puts_the_card_in_that_users_pack(serve_loopback: Any) -> None:
    async with make_rig(serve_loopback) as rig:
        card_id = await rig.cards.create_card(CARD)
        openid = sandbox_openid(4)
        item = await rig.cards.add_card(card_id=card_id, code="SQ000000000001", openid=openid)
        added = await rig.user_adds(openid, item)
        assert added.status_code == 200
        assert added.json()["errMsg"] == "addCard:ok"
        (card,) = await rig.pack(openid)
        assert (card["card_id"], card["code"], card["status"], card["title"]) == (
            card_id, "SQ000000000001", "NORMAL", "居民身份证",
        )  # fmt: skip
        assert card["center_app_brand_pass"] == "pages/licence/show?kind=JMSFZ"
        assert await rig.pack(sandbox_openid(5)) == []


async def test_another_user_cannot_add_a_card_ext_bound_to_someone(serve_loopback: Any) -> None:
    async with make_rig(serve_loopback) as rig:
        card_id = await rig.cards.create_card(CARD)
        item = await rig.cards.add_card(card_id=card_id, code="SQ2", openid=sandbox_openid(4))
        refused = await rig.user_adds(sandbox_openid(5), item)
        assert (refused.status_code, refused.json()["errMsg"]) == (400, "addCard:fail openid mismatch")


async def test_a_tampered_or_unticketed_card_ext_is_refused(serve_loopback: Any) -> None:
    async with make_rig(serve_loopback) as rig:
        card_id = await rig.cards.create_card(CARD)
        openid = sandbox_openid(6)
        item = await rig.cards.add_card(card_id=card_id, code="SQ3", openid=openid)
        ext = msgspec.json.decode(item.card_ext)
        tampered = {"cardId": card_id, "cardExt": msgspec.json.encode({**ext, "code": "SQ4"}).decode()}
        forged = build_card_ext(
            api_ticket="not-a-ticket", card_id=card_id, timestamp=1, nonce_str="n", code="SQ5", openid=openid
        )
        for bad in (tampered, forged):
            refused = await rig.user_adds(openid, bad)
            assert refused.json()["errMsg"] == "addCard:fail signature error"
        rig.clock.advance(7201)  # the ticket that signed it has expired
        stale = await rig.user_adds(openid, item)
        assert stale.json()["errMsg"] == "addCard:fail signature error"
        assert await rig.pack(openid) == []


async def test_a_custom_code_card_needs_a_code_and_each_code_is_added_once(serve_loopback: Any) -> None:
    async with make_rig(serve_loopback) as rig:
        card_id = await rig.cards.create_card(CARD)
        openid = sandbox_openid(7)
        no_code = await rig.user_adds(openid, await rig.cards.add_card(card_id=card_id, openid=openid))
        assert no_code.json()["errMsg"] == "addCard:fail code required"
        item = await rig.cards.add_card(card_id=card_id, code="SQ7", openid=openid)
        assert (await rig.user_adds(openid, item)).status_code == 200
        again = await rig.user_adds(openid, item)
        assert again.json()["errMsg"] == "addCard:fail code already added"


async def test_withdrawn_code_is_void_in_the_pack(serve_loopback: Any) -> None:
    async with make_rig(serve_loopback) as rig:
        card_id = await rig.cards.create_card(CARD)
        openid = sandbox_openid(8)
        await rig.user_adds(openid, await rig.cards.add_card(card_id=card_id, code="SQ8", openid=openid))
        await rig.cards.make_unavailable(card_id=card_id, code="SQ8", reason="licence revoked")
        assert [card["status"] for card in await rig.pack(openid)] == ["UNAVAILABLE"]
        with pytest.raises(UpstreamRejected) as again:
            await rig.cards.make_unavailable(card_id=card_id, code="SQ8")
        assert again.value.code == "40099"
        with pytest.raises(UpstreamRejected) as unknown:
            await rig.cards.make_unavailable(card_id=card_id, code="SQ-never")
        assert unknown.value.code == "40056"


def test_card_ext_signature_matches_wechatpys_signer() -> None:
    """No numeric example is published (WeChat offers a signing tool instead); wechatpy's
    ``WeChatSigner`` — sort the values, concatenate, SHA-1 — is the independent reading."""
    values = ("ticket-1", "1404896688", "p1Pj9jr90_SQRaVqYI239Ka1erkI", "SQ1", "oSandbox1", "nonce")
    signer = WeChatSigner()
    signer.add_data(*values)
    assert card_ext_signature(*values) == signer.signature
    item = build_card_ext(
        api_ticket="ticket-1",
        card_id=values[2],
        timestamp=1404896688,
        nonce_str="nonce",
        code="SQ1",
        openid="oSandbox1",
    )
    assert msgspec.json.decode(item.card_ext)["signature"] == signer.signature
