"""The WeChat adapter decodes the platform's documented answers, replayed byte for byte."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import httpx
import pytest

from integrations import ManualClock, UpstreamConfig, UpstreamRejected, UpstreamUnavailable
from integrations.wechat import SANDBOX_APPID, WeChatMiniProgram

RECORDED: dict[str, Any] = json.loads(
    (Path(__file__).parent / "fixtures" / "wechat" / "recorded_responses.json").read_text("utf-8")
)


def make_replaying_client(overrides: dict[str, Any] | None = None) -> WeChatMiniProgram:
    answers = {**RECORDED, **(overrides or {})}

    def answer(request: httpx.Request) -> httpx.Response:
        body = json.dumps(answers[request.url.path], ensure_ascii=False).encode()
        return httpx.Response(200, content=body, headers={"content-type": "application/json"})

    return WeChatMiniProgram(
        UpstreamConfig(base_url="https://api.weixin.qq.com"),
        appid=SANDBOX_APPID,
        secret="s",
        transport=httpx.MockTransport(answer),
        clock=ManualClock(),
        rng=random.Random(1),
        audit=lambda _: None,
    )


async def test_recorded_code2session_without_errcode_decodes() -> None:
    async with make_replaying_client() as client:
        session = await client.code2session("c")
    assert session.openid == "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"
    assert session.unionid == "oGZUI0egBJY1zhBYw2KhdUfwVJJE"


async def test_recorded_phone_number_with_numeric_country_code_decodes() -> None:
    async with make_replaying_client() as client:
        phone = await client.phone_number("c")
    assert phone.country_code == "86"
    assert phone.watermark_timestamp == 1637744274


async def test_recorded_msg_sec_check_decodes_verdict() -> None:
    async with make_replaying_client() as client:
        verdict = await client.check_text("x", openid="o", scene=1)
    assert (verdict.suggest, verdict.label) == ("risky", 20001)
    assert verdict.trace_id == "60ae120f-371d5872-7941a05b"


async def test_recorded_invalid_code_envelope_is_rejected_with_its_errcode() -> None:
    overrides = {"/sns/jscode2session": RECORDED["errors"]["invalid_code"]}
    async with make_replaying_client(overrides) as client:
        with pytest.raises(UpstreamRejected) as caught:
            await client.code2session("c")
    assert caught.value.code == "40029"
    assert caught.value.status_code == 200


async def test_recorded_system_busy_envelope_is_unavailable() -> None:
    overrides = {"/wxa/business/getuserphonenumber": RECORDED["errors"]["system_busy"]}
    async with make_replaying_client(overrides) as client:
        with pytest.raises(UpstreamUnavailable):
            await client.phone_number("c")
