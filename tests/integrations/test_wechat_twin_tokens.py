"""The WeChat twin answers what third-party SDKs send: the legacy ``/cgi-bin/token`` (wechatpy's
first call) beside the stable token, and msgSecCheck v1 bodies."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from integrations import ManualClock
from integrations.sandbox import create_sandbox
from integrations.wechat import SANDBOX_APPID, SANDBOX_SECRET, create_wechat_twin

CREDENTIALS = {"grant_type": "client_credential", "appid": SANDBOX_APPID, "secret": SANDBOX_SECRET}


@pytest.fixture
async def twin() -> AsyncIterator[tuple[httpx.AsyncClient, ManualClock]]:
    clock = ManualClock()
    sandbox = create_sandbox(clock=clock, systems={"wechat": create_wechat_twin})
    transport = httpx.ASGITransport(app=sandbox)
    async with httpx.AsyncClient(transport=transport, base_url="http://sandbox/wechat") as http:
        yield http, clock


async def _token(http: httpx.AsyncClient) -> str:
    answer = (await http.get("/cgi-bin/token", params=CREDENTIALS)).json()
    assert answer["expires_in"] == 7200
    token: str = answer["access_token"]
    return token


async def _works(http: httpx.AsyncClient, token: str) -> bool:
    body = {"content": "hello"}
    answer = await http.post("/wxa/msg_sec_check", params={"access_token": token}, json=body)
    return bool(answer.json()["errcode"] == 0)


async def test_legacy_token_works_and_its_predecessor_lasts_five_more_minutes(
    twin: tuple[httpx.AsyncClient, ManualClock],
) -> None:
    http, clock = twin
    first = await _token(http)
    second = await _token(http)
    assert first != second
    assert await _works(http, first)
    assert await _works(http, second)
    clock.advance(301)
    assert not await _works(http, first)
    assert await _works(http, second)


async def test_legacy_and_stable_tokens_are_separate_pools(
    twin: tuple[httpx.AsyncClient, ManualClock],
) -> None:
    http, clock = twin
    stable = (await http.post("/cgi-bin/stable_token", json=CREDENTIALS)).json()["access_token"]
    await _token(http)
    await _token(http)
    clock.advance(301)
    assert await _works(http, stable)


@pytest.mark.parametrize(
    ("query", "errcode"),
    [
        ({**CREDENTIALS, "secret": "wrong"}, 40125),
        ({**CREDENTIALS, "appid": "wx-other"}, 40013),
        ({**CREDENTIALS, "grant_type": "password"}, 40002),
    ],
)
async def test_legacy_token_refuses_bad_credentials(
    twin: tuple[httpx.AsyncClient, ManualClock], query: dict[str, str], errcode: int
) -> None:
    http, _ = twin
    assert (await http.get("/cgi-bin/token", params=query)).json()["errcode"] == errcode


@pytest.mark.parametrize(("content", "errcode"), [("宿迁欢迎你", 0), ("含违禁词", 87014), ("待审内容", 0)])
async def test_msg_sec_check_v1_body_gets_the_v1_answer(
    twin: tuple[httpx.AsyncClient, ManualClock], content: str, errcode: int
) -> None:
    http, _ = twin
    token = await _token(http)
    answer = await http.post("/wxa/msg_sec_check", params={"access_token": token}, json={"content": content})
    assert answer.json()["errcode"] == errcode
    assert "result" not in answer.json()
