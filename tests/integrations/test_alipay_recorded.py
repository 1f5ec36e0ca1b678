"""The Alipay adapter on recorded gateway answers, replayed byte for byte."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import httpx
import pytest

from integrations import ManualClock, UpstreamConfig, UpstreamMalformed, UpstreamRejected
from integrations.alipay import AlipayMiniProgram, load_private_key

FIXTURES = Path(__file__).parent / "fixtures" / "alipay"
VECTORS: dict[str, Any] = json.loads((FIXTURES / "vectors.json").read_text("utf-8"))
ALIPAY_KEY = load_private_key((FIXTURES / "keys" / "alipay_private.pem").read_text())
APP_KEY = load_private_key((FIXTURES / "keys" / "app_private.pem").read_text())

UNSIGNED_REFUSAL = (
    '{"error_response":{"code":"40002","msg":"Invalid Arguments",'
    '"sub_code":"isv.code-invalid","sub_msg":"授权码code无效"}}'
)


def make_replaying_client(raw: str) -> AlipayMiniProgram:
    def answer(_: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=raw.encode(), headers={"content-type": "text/html"})

    return AlipayMiniProgram(
        UpstreamConfig(base_url="https://openapi.alipay.com"),
        app_id="2021000000000001",
        app_private_key=APP_KEY,
        alipay_public_key=ALIPAY_KEY.public_key(),
        aes_key=VECTORS["phone"]["aes_key"],
        transport=httpx.MockTransport(answer),
        clock=ManualClock(),
        rng=random.Random(1),
        audit=lambda _: None,
    )


async def test_recorded_oauth_answer_with_string_lifetimes_decodes() -> None:
    async with make_replaying_client(VECTORS["oauth_response"]["raw"]) as client:
        token = await client.oauth_token("test-auth-1")
    assert token.subject == "0sandbox00000000000000000001"
    assert (token.expires_in, token.re_expires_in) == (1_296_000, 2_592_000)


async def test_unsigned_refusal_is_still_a_refusal() -> None:
    async with make_replaying_client(UNSIGNED_REFUSAL) as client:
        with pytest.raises(UpstreamRejected) as caught:
            await client.oauth_token("used")
    assert caught.value.code == "isv.code-invalid"


async def test_unsigned_success_is_never_trusted() -> None:
    raw = VECTORS["oauth_response"]["raw"]
    unsigned = raw[: raw.index(',"sign"')] + "}"
    async with make_replaying_client(unsigned) as client:
        with pytest.raises(UpstreamMalformed) as caught:
            await client.oauth_token("test-auth-1")
    assert caught.value.detail == "success answer is unsigned"


async def test_answer_with_one_changed_character_fails_verification() -> None:
    raw = VECTORS["oauth_response"]["raw"].replace("2088000000000001", "2088000000000002")
    async with make_replaying_client(raw) as client:
        with pytest.raises(UpstreamMalformed) as caught:
            await client.oauth_token("test-auth-1")
    assert caught.value.detail == "response signature invalid"
