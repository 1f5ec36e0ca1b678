"""Contract tests: the 支付宝卡包 adapter (``alipay.pass.*``) against the Alipay twin over real
loopback HTTP — templates with ``$variable$`` placeholders, passes issued to a user, withdrawn,
re-rendered, and the user's card pack as the twin shows it."""

from __future__ import annotations

import contextlib
import random
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from integrations import ManualClock, UpstreamConfig, UpstreamRejected
from integrations.alipay import (
    AlipayPasses,
    AlipayTwinState,
    create_alipay_twin,
    load_private_key,
    load_public_key,
    sandbox_user_id,
)
from integrations.sandbox import Sandbox, create_sandbox

TPL_CONTENT: dict[str, Any] = {
    "logo": "https://suqian.example/static/logo.png",
    "content": {
        "evoucherInfo": {
            "title": "$title$",
            "type": "boardingPass",
            "product": "free",
            "einfo": {
                "logoText": "我的宿迁",
                "headFields": [{"key": "no", "label": "证号", "value": "$maskedNumber$"}],
            },
            "operation": [
                {"format": "url", "message": "$deepLink$", "messageEncoding": "UTF-8", "altText": "亮证"}
            ],
        },
        "fileInfo": {"formatVersion": "2", "canShare": False, "serialNumber": "$serialNumber$"},
        "platform": {"channelID": "$channelID$"},
    },
}


class Rig:
    def __init__(self, sandbox: Sandbox, client: AlipayPasses, base_url: str) -> None:
        self.sandbox, self.client, self.base_url = sandbox, client, base_url

    @property
    def state(self) -> AlipayTwinState:
        state = self.sandbox.twins["alipay"].state
        assert isinstance(state, AlipayTwinState)
        return state

    async def card_pack(self, user_id: str) -> list[dict[str, Any]]:
        async with httpx.AsyncClient(trust_env=False) as http:
            answer = await http.get(f"{self.base_url}/alipay/passes", params={"user_id": user_id})
        assert answer.status_code == 200
        shown: list[dict[str, Any]] = answer.json()
        return shown


@contextlib.asynccontextmanager
async def make_rig(serve_loopback: Any) -> AsyncIterator[Rig]:
    clock = ManualClock()
    sandbox = create_sandbox(clock=clock, systems={"alipay": create_alipay_twin})
    async with serve_loopback(sandbox) as base_url:
        async with httpx.AsyncClient(trust_env=False) as http:
            keys = (await http.get(f"{base_url}/alipay/sandbox-keys")).json()
        client = AlipayPasses(
            UpstreamConfig(base_url=f"{base_url}/alipay"),
            app_id=keys["app_id"],
            app_private_key=load_private_key(keys["app_private_key"]),
            alipay_public_key=load_public_key(keys["alipay_public_key"]),
            clock=clock,
            rng=random.Random(5),
            audit=lambda _: None,
        )
        async with client:
            yield Rig(sandbox, client, base_url)


def _params(serial: str, app_id: str, **overrides: str) -> dict[str, str]:
    params = {
        "title": "居民身份证",
        "maskedNumber": "3213**********1234",
        "deepLink": "alipays://platformapi/startapp?appId=2021000000000001&page=pages%2Flicence%2Fshow",
        "serialNumber": serial,
        "channelID": app_id,
    }
    return {**params, **overrides}


async def test_template_lists_its_variables_and_is_keyed_by_unique_id(serve_loopback: Any) -> None:
    async with make_rig(serve_loopback) as rig:
        template = await rig.client.add_template(unique_id="licence-pointer-v1", tpl_content=TPL_CONTENT)
        assert set(template.tpl_params) == {"title", "maskedNumber", "deepLink", "serialNumber", "channelID"}
        assert len(template.tpl_id) == 25
        assert template.tpl_id.isdigit()
        again = await rig.client.add_template(unique_id="licence-pointer-v1", tpl_content=TPL_CONTENT)
        assert again == template


async def test_pass_is_issued_to_the_user_and_shown_rendered_in_their_card_pack(serve_loopback: Any) -> None:
    async with make_rig(serve_loopback) as rig:
        app_id = rig.client.gateway.app_id
        template = await rig.client.add_template(unique_id="t1", tpl_content=TPL_CONTENT)
        user = sandbox_user_id(7)
        issued = await rig.client.add_instance(
            tpl_id=template.tpl_id, tpl_params=_params("SQ0001", app_id), user_id=user
        )
        assert issued.serial_number == "SQ0001"
        assert len(issued.pass_id) == 30

        (shown,) = await rig.card_pack(user)
        assert (shown["pass_id"], shown["status"]) == (issued.pass_id, "ACTIVE")
        info = shown["content"]["content"]["evoucherInfo"]
        assert info["title"] == "居民身份证"
        assert info["einfo"]["headFields"][0]["value"] == "3213**********1234"
        assert await rig.card_pack(sandbox_user_id(8)) == []


async def test_a_missing_template_variable_is_refused(serve_loopback: Any) -> None:
    async with make_rig(serve_loopback) as rig:
        template = await rig.client.add_template(unique_id="t2", tpl_content=TPL_CONTENT)
        params = _params("SQ0002", rig.client.gateway.app_id)
        del params["maskedNumber"]
        with pytest.raises(UpstreamRejected) as caught:
            await rig.client.add_instance(
                tpl_id=template.tpl_id, tpl_params=params, user_id=sandbox_user_id(7)
            )
        assert caught.value.code == "KP.TPL_PARAMS_MISSING"
        assert rig.state.passes.passes == {}


async def test_a_repeated_serial_number_and_an_unknown_template_are_refused(serve_loopback: Any) -> None:
    async with make_rig(serve_loopback) as rig:
        app_id = rig.client.gateway.app_id
        template = await rig.client.add_template(unique_id="t3", tpl_content=TPL_CONTENT)
        await rig.client.add_instance(
            tpl_id=template.tpl_id, tpl_params=_params("SQ3", app_id), user_id=sandbox_user_id(1)
        )
        with pytest.raises(UpstreamRejected) as repeated:
            await rig.client.add_instance(
                tpl_id=template.tpl_id, tpl_params=_params("SQ3", app_id), user_id=sandbox_user_id(1)
            )
        assert repeated.value.code == "KP.SERIAL_NUMBER_DUPLICATE"
        with pytest.raises(UpstreamRejected) as unknown:
            await rig.client.add_instance(
                tpl_id="0" * 25, tpl_params=_params("SQ4", app_id), user_id=sandbox_user_id(1)
            )
        assert unknown.value.code == "KP.TEMPLATE_NOT_EXIST"


async def test_closed_pass_is_withdrawn_and_stays_closed(serve_loopback: Any) -> None:
    async with make_rig(serve_loopback) as rig:
        app_id = rig.client.gateway.app_id
        template = await rig.client.add_template(unique_id="t4", tpl_content=TPL_CONTENT)
        user = sandbox_user_id(9)
        issued = await rig.client.add_instance(
            tpl_id=template.tpl_id, tpl_params=_params("SQ9", app_id), user_id=user
        )

        with pytest.raises(UpstreamRejected) as wrong_channel:
            await rig.client.update_instance(
                serial_number="SQ9", channel_id="2021999999999999", status="CLOSED"
            )
        assert wrong_channel.value.code == "KP.CHANNEL_ID_MISMATCH"

        closed = await rig.client.update_instance(serial_number="SQ9", channel_id=app_id, status="CLOSED")
        assert closed == issued
        assert [p["status"] for p in await rig.card_pack(user)] == ["CLOSED"]
        with pytest.raises(UpstreamRejected) as again:
            await rig.client.update_instance(serial_number="SQ9", channel_id=app_id, status="CLOSED")
        assert again.value.code == "KP.PASS_STATUS_ERROR"


async def test_new_tpl_params_re_render_the_pass_and_unknown_ones_are_refused(serve_loopback: Any) -> None:
    async with make_rig(serve_loopback) as rig:
        app_id = rig.client.gateway.app_id
        template = await rig.client.add_template(unique_id="t5", tpl_content=TPL_CONTENT)
        user = sandbox_user_id(10)
        await rig.client.add_instance(
            tpl_id=template.tpl_id, tpl_params=_params("SQ10", app_id), user_id=user
        )
        await rig.client.update_instance(
            serial_number="SQ10", channel_id=app_id, tpl_params={"title": "机动车驾驶证"}
        )
        (shown,) = await rig.card_pack(user)
        assert shown["content"]["content"]["evoucherInfo"]["title"] == "机动车驾驶证"
        with pytest.raises(UpstreamRejected) as caught:
            await rig.client.update_instance(
                serial_number="SQ10", channel_id=app_id, tpl_params={"name": "张伟"}
            )
        assert caught.value.code == "KP.TPL_PARAMS_UNKNOWN"


async def test_a_user_id_that_is_not_alipays_is_refused(serve_loopback: Any) -> None:
    async with make_rig(serve_loopback) as rig:
        template = await rig.client.add_template(unique_id="t6", tpl_content=TPL_CONTENT)
        with pytest.raises(UpstreamRejected) as caught:
            await rig.client.add_instance(
                tpl_id=template.tpl_id, tpl_params=_params("SQ11", rig.client.gateway.app_id), user_id="12345"
            )
        assert caught.value.code == "isv.invalid-parameter"
