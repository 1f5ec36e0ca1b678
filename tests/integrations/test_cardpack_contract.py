"""The card-pack facade against the WeChat and Alipay twins over real loopback HTTP: a licence
pointer added and withdrawn on each platform, templates made once, and content that is more than
a pointer refused before any call."""

from __future__ import annotations

import contextlib
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from integrations import ManualClock, UpstreamConfig
from integrations.alipay import (
    AlipayPasses,
    AlipayTwinState,
    create_alipay_twin,
    load_private_key,
    load_public_key,
    sandbox_user_id,
)
from integrations.cardpack import CardPacks, PointerRefused
from integrations.sandbox import Sandbox, create_sandbox
from integrations.wechat import (
    SANDBOX_APPID,
    SANDBOX_SECRET,
    WeChatCards,
    WeChatMiniProgram,
    WeChatTwinState,
    create_wechat_twin,
    sandbox_openid,
)

POINTER = {
    "title": "居民身份证",
    "masked_number": "3213**********1234",
    "deep_link": "pages/licence/show?id=L7",
}


@dataclass
class Rig:
    sandbox: Sandbox
    packs: CardPacks
    base_url: str

    async def get(self, path: str, **params: str) -> Any:
        async with httpx.AsyncClient(trust_env=False) as http:
            return (await http.get(f"{self.base_url}{path}", params=params)).json()

    async def user_accepts(self, openid: str, card_list_item: dict[str, str]) -> httpx.Response:
        async with httpx.AsyncClient(trust_env=False) as http:
            return await http.post(
                f"{self.base_url}/wechat/card-pack/add", json={"openid": openid, "cardList": [card_list_item]}
            )


@contextlib.asynccontextmanager
async def make_rig(serve_loopback: Any) -> AsyncIterator[Rig]:
    clock = ManualClock()
    sandbox = create_sandbox(
        clock=clock, systems={"alipay": create_alipay_twin, "wechat": create_wechat_twin}
    )
    async with serve_loopback(sandbox) as base_url:
        async with httpx.AsyncClient(trust_env=False) as http:
            keys = (await http.get(f"{base_url}/alipay/sandbox-keys")).json()
        alipay = AlipayPasses(
            UpstreamConfig(base_url=f"{base_url}/alipay"),
            app_id=keys["app_id"],
            app_private_key=load_private_key(keys["app_private_key"]),
            alipay_public_key=load_public_key(keys["alipay_public_key"]),
            clock=clock,
            rng=random.Random(1),
            audit=lambda _: None,
        )
        mp = WeChatMiniProgram(
            UpstreamConfig(base_url=f"{base_url}/wechat"),
            appid=SANDBOX_APPID,
            secret=SANDBOX_SECRET,
            clock=clock,
            rng=random.Random(2),
            audit=lambda _: None,
        )
        async with alipay, mp:
            packs = CardPacks(
                alipay=alipay,
                wechat=WeChatCards(mp, clock=clock, rng=random.Random(3)),
                wechat_username="gh_sandbox000001@app",
                rng=random.Random(4),
            )
            yield Rig(sandbox, packs, base_url)


async def test_alipay_pointer_is_in_the_pack_with_only_title_number_and_link(serve_loopback: Any) -> None:
    async with make_rig(serve_loopback) as rig:
        user = sandbox_user_id(21)
        ref = await rig.packs.add_pointer("alipay", user, **POINTER)
        assert ref.platform == "alipay"
        assert ref.add_card is None
        (shown,) = await rig.get("/alipay/passes", user_id=user)
        assert (shown["serial_number"], shown["pass_id"], shown["status"]) == (
            ref.serial,
            ref.pass_id,
            "ACTIVE",
        )
        info = shown["content"]["content"]["evoucherInfo"]
        assert info["title"] == "居民身份证"
        assert info["einfo"]["headFields"][0]["value"] == "3213**********1234"
        assert info["operation"][0]["message"] == (
            "alipays://platformapi/startapp?appId=2021000000000001&page=pages%2Flicence%2Fshow&query=id%3DL7"
        )

        await rig.packs.withdraw("alipay", ref)
        assert [p["status"] for p in await rig.get("/alipay/passes", user_id=user)] == ["CLOSED"]
        await rig.packs.withdraw("alipay", ref)  # twice is fine


async def test_alipay_template_is_created_once(serve_loopback: Any) -> None:
    async with make_rig(serve_loopback) as rig:
        for n in range(3):
            await rig.packs.add_pointer("alipay", sandbox_user_id(30 + n), **POINTER)
        state = rig.sandbox.twins["alipay"].state
        assert isinstance(state, AlipayTwinState)
        assert len(state.passes.templates) == 1
        assert state.gateway.calls.count("alipay.pass.template.add") == 1


async def test_wechat_pointer_enters_the_pack_when_the_user_accepts_and_is_withdrawn(
    serve_loopback: Any,
) -> None:
    async with make_rig(serve_loopback) as rig:
        openid = sandbox_openid(21)
        ref = await rig.packs.add_pointer("wechat", openid, **POINTER)
        assert ref.add_card is not None
        assert await rig.get("/wechat/card-pack", openid=openid) == []  # nothing until wx.addCard
        accepted = await rig.user_accepts(openid, ref.add_card.card_list_item())
        assert accepted.status_code == 200
        (card,) = await rig.get("/wechat/card-pack", openid=openid)
        assert (card["card_id"], card["code"], card["title"], card["status"]) == (
            ref.pass_id, ref.serial, "居民身份证", "NORMAL",
        )  # fmt: skip
        assert card["center_app_brand_pass"] == "pages/licence/show?id=L7"

        await rig.packs.withdraw("wechat", ref)
        assert [c["status"] for c in await rig.get("/wechat/card-pack", openid=openid)] == ["UNAVAILABLE"]
        await rig.packs.withdraw("wechat", ref)


async def test_wechat_pointer_cannot_be_taken_by_another_user(serve_loopback: Any) -> None:
    async with make_rig(serve_loopback) as rig:
        ref = await rig.packs.add_pointer("wechat", sandbox_openid(22), **POINTER)
        assert ref.add_card is not None
        refused = await rig.user_accepts(sandbox_openid(23), ref.add_card.card_list_item())
        assert refused.status_code == 400
        await rig.packs.withdraw("wechat", ref)  # never accepted: nothing to withdraw


async def test_wechat_card_is_made_once_per_title_and_link(serve_loopback: Any) -> None:
    async with make_rig(serve_loopback) as rig:
        first = await rig.packs.add_pointer("wechat", sandbox_openid(1), **POINTER)
        second = await rig.packs.add_pointer("wechat", sandbox_openid(2), **POINTER)
        other = await rig.packs.add_pointer(
            "wechat", sandbox_openid(1), **{**POINTER, "title": "机动车驾驶证"}
        )
        assert first.pass_id == second.pass_id != other.pass_id
        assert first.serial != second.serial
        state = rig.sandbox.twins["wechat"].state
        assert isinstance(state, WeChatTwinState)
        assert len(state.cards.cards) == 2


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("masked_number", "321302199001011234"),  # a full ID number
        ("masked_number", "张伟 3213**********1234"),
        ("title", "居民身份证 张伟 宿城区幸福中路18号"),
        ("deep_link", "https://evil.example/x"),
        ("deep_link", "pages/licence/show?name=张伟"),
    ],
)
async def test_content_beyond_a_pointer_is_refused_before_any_call(field: str, value: str) -> None:
    packs = CardPacks()  # no adapters: a refusal must come first
    with pytest.raises(PointerRefused):
        await packs.add_pointer("alipay", sandbox_user_id(1), **{**POINTER, field: value})
