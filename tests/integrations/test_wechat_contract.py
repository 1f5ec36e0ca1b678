"""Contract tests: the WeChat adapter against its twin over real loopback HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from integrations import (
    AuditEvent,
    ManualClock,
    RetryPolicy,
    UpstreamConfig,
    UpstreamRejected,
    UpstreamUnavailable,
)
from integrations.sandbox import Faults, Sandbox, create_sandbox
from integrations.wechat import (
    SANDBOX_APPID,
    SANDBOX_SECRET,
    SessionKey,
    WatermarkMismatch,
    WeChatMiniProgram,
    WeChatTwinState,
    create_wechat_twin,
    decrypt_user_data,
    sandbox_openid,
    sandbox_phone,
    sandbox_unionid,
    verify_raw_data,
)


class Rig:
    """A sandbox with the WeChat twin on a loopback port and a client pointed at it."""

    def __init__(self, sandbox: Sandbox, client: WeChatMiniProgram, clock: ManualClock) -> None:
        self.sandbox = sandbox
        self.client = client
        self.clock = clock
        self.audit: list[AuditEvent] = []

    @property
    def state(self) -> WeChatTwinState:
        state = self.sandbox.twins["wechat"].state
        assert isinstance(state, WeChatTwinState)
        return state


@contextlib.asynccontextmanager
async def make_rig(serve_loopback: Any, **client_overrides: Any) -> AsyncIterator[Rig]:
    clock = ManualClock()
    sandbox = create_sandbox(clock=clock, systems={"wechat": create_wechat_twin})
    async with serve_loopback(sandbox) as base_url:
        events: list[AuditEvent] = []
        config = UpstreamConfig(base_url=f"{base_url}/wechat", retry=RetryPolicy(max_attempts=3))
        options: dict[str, Any] = {
            "appid": SANDBOX_APPID,
            "secret": SANDBOX_SECRET,
            "clock": clock,
            "rng": random.Random(7),
            "audit": events.append,
            **client_overrides,
        }
        async with WeChatMiniProgram(config, **options) as client:
            rig = Rig(sandbox, client, clock)
            rig.audit = events
            yield rig


async def test_code2session_maps_seeded_code_to_stable_openid(serve_loopback: Any) -> None:
    async with make_rig(serve_loopback) as rig:
        first = await rig.client.code2session("test-code-42")
        again = await rig.client.code2session("test-code-42-second-login")
    assert first.openid == again.openid == sandbox_openid(42)
    assert first.unionid == sandbox_unionid(42)
    assert isinstance(first.session_key, SessionKey)
    assert first.session_key != again.session_key  # every login gets a new key


async def test_code2session_rejects_reused_code_with_40163(serve_loopback: Any) -> None:
    async with make_rig(serve_loopback) as rig:
        await rig.client.code2session("test-code-1")
        with pytest.raises(UpstreamRejected) as caught:
            await rig.client.code2session("test-code-1")
    assert caught.value.code == "40163"


async def test_code2session_rejects_unknown_code_with_40029(serve_loopback: Any) -> None:
    async with make_rig(serve_loopback) as rig:
        with pytest.raises(UpstreamRejected) as caught:
            await rig.client.code2session("forged")
    assert caught.value.code == "40029"
    assert caught.value.system == "wechat"


async def test_code2session_rejects_wrong_secret_with_40125(serve_loopback: Any) -> None:
    async with make_rig(serve_loopback, secret="wrong") as rig:
        with pytest.raises(UpstreamRejected) as caught:
            await rig.client.code2session("test-code-1")
    assert caught.value.code == "40125"


async def test_system_busy_errcode_is_unavailable_and_retried(serve_loopback: Any) -> None:
    async with make_rig(serve_loopback) as rig:
        with pytest.raises(UpstreamUnavailable) as caught:
            await rig.client.code2session("test-code-busy")
        assert caught.value.reason == "system_busy"
        assert rig.audit[-1].attempts == 3
        assert rig.audit[-1].outcome == "unavailable"


async def test_injected_outage_is_unavailable(serve_loopback: Any) -> None:
    async with make_rig(serve_loopback) as rig:
        rig.sandbox.twins["wechat"].faults.faults = Faults(down=True)
        with pytest.raises(UpstreamUnavailable) as caught:
            await rig.client.code2session("test-code-3")
    assert caught.value.reason == "http_503"


async def test_phone_number_resolves_seeded_code(serve_loopback: Any) -> None:
    async with make_rig(serve_loopback) as rig:
        phone = await rig.client.phone_number("phone-code-7")
    assert phone.pure_phone_number == sandbox_phone(7)
    assert phone.country_code == "86"
    assert phone.watermark_timestamp == int(rig.clock.now())


async def test_phone_number_rejects_watermark_of_another_appid(serve_loopback: Any) -> None:
    async with make_rig(serve_loopback) as rig:
        await rig.client.phone_number("phone-code-1")
        rig.state.appid = "wx00someoneelse001"
        with pytest.raises(WatermarkMismatch) as caught:
            await rig.client.phone_number("phone-code-2")
    assert caught.value.actual == "wx00someoneelse001"


async def test_access_token_is_fetched_once_for_concurrent_calls(serve_loopback: Any) -> None:
    async with make_rig(serve_loopback) as rig:
        await asyncio.gather(*(rig.client.phone_number(f"phone-code-{n}") for n in range(8)))
        await rig.client.phone_number("phone-code-99")
        assert rig.state.token_requests == 1
        assert rig.client.tokens.fetches == 1


async def test_access_token_is_refreshed_five_minutes_before_expiry(serve_loopback: Any) -> None:
    async with make_rig(serve_loopback) as rig:
        await rig.client.phone_number("phone-code-1")
        rig.clock.advance(7200 - 301)
        await rig.client.phone_number("phone-code-2")
        assert rig.state.token_requests == 1
        rig.clock.advance(2)
        await rig.client.phone_number("phone-code-3")
        assert rig.state.token_requests == 2


async def test_invalidated_token_is_refetched_and_call_retried_once(serve_loopback: Any) -> None:
    async with make_rig(serve_loopback) as rig:
        await rig.client.phone_number("phone-code-1")
        rig.state.revoke_tokens()  # as if someone force-refreshed: our token answers 40001
        phone = await rig.client.phone_number("phone-code-2")
        assert phone.pure_phone_number == sandbox_phone(2)
        assert rig.state.token_requests == 2


async def test_expired_token_42001_is_refetched(serve_loopback: Any) -> None:
    async with make_rig(serve_loopback) as rig:
        await rig.client.phone_number("phone-code-1")
        token = rig.state.current_token
        assert token is not None
        rig.state.tokens[token] = rig.clock.now() - 1
        await rig.client.phone_number("phone-code-2")
        assert rig.state.current_token != token


class _Forgetful(dict[str, float]):
    """A token table that never keeps a token: every call answers 40001."""

    def __setitem__(self, key: str, value: float) -> None:
        return None


async def test_persistent_40001_is_raised_after_one_retry(serve_loopback: Any) -> None:
    async with make_rig(serve_loopback) as rig:
        rig.state.tokens = _Forgetful()
        with pytest.raises(UpstreamRejected) as caught:
            await rig.client.phone_number("phone-code-1")
        assert caught.value.code == "40001"
        assert rig.state.token_requests == 2


async def test_subscribe_message_reaches_the_user(serve_loopback: Any) -> None:
    async with make_rig(serve_loopback) as rig:
        session = await rig.client.code2session("test-code-5")
        await rig.client.send_subscribe_message(
            openid=session.openid,
            template_id="sandbox-tpl-booking",
            data={"thing1": "宿迁博物馆", "time2": "2025-01-01 10:00"},
            page="pages/booking/detail?id=1",
        )
        sent = rig.state.sent
    assert sent[-1]["touser"] == sandbox_openid(5)
    assert sent[-1]["data"]["thing1"] == {"value": "宿迁博物馆"}


@pytest.mark.parametrize(
    ("template_id", "thing", "grants", "errcode"),
    [
        pytest.param("sandbox-tpl-booking", "ok", 0, "43101", id="no-grant-left"),
        pytest.param("unknown-template", "ok", None, "40037", id="bad-template"),
        pytest.param("sandbox-tpl-booking", "x" * 21, None, "47003", id="thing-too-long"),
    ],
)
async def test_subscribe_message_refusals_carry_errcode(
    serve_loopback: Any, template_id: str, thing: str, grants: int | None, errcode: str
) -> None:
    async with make_rig(serve_loopback) as rig:
        session = await rig.client.code2session("test-code-6")
        if grants is not None:
            rig.state.set_grants(session.openid, template_id, grants)
        with pytest.raises(UpstreamRejected) as caught:
            await rig.client.send_subscribe_message(
                openid=session.openid, template_id=template_id, data={"thing1": thing}
            )
    assert caught.value.code == errcode


@pytest.mark.parametrize(
    ("content", "suggest"),
    [("今天天气不错", "pass"), ("这段需要待审", "review"), ("违禁内容", "risky")],
)
async def test_msg_sec_check_returns_verdict(serve_loopback: Any, content: str, suggest: str) -> None:
    async with make_rig(serve_loopback) as rig:
        session = await rig.client.code2session("test-code-8")
        verdict = await rig.client.check_text(content, openid=session.openid, scene=2)
    assert verdict.suggest == suggest
    assert verdict.trace_id


async def test_legacy_open_data_from_twin_verifies_and_decrypts(serve_loopback: Any) -> None:
    async with make_rig(serve_loopback) as rig:
        session = await rig.client.code2session("test-code-9")
        async with serve_loopback(rig.sandbox) as base_url, httpx.AsyncClient() as http:
            answer = await http.get(f"{base_url}/wechat/user-info", params={"openid": session.openid})
        data = answer.json()
    verify_raw_data(data["rawData"], data["signature"], session_key=session.session_key)
    opened = decrypt_user_data(
        data["encryptedData"], data["iv"], session_key=session.session_key, appid=SANDBOX_APPID
    )
    assert opened["openId"] == sandbox_openid(9)


async def test_adapter_logs_neither_secret_nor_session_key(
    serve_loopback: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="integrations")
    async with make_rig(serve_loopback, audit=None) as rig:  # None: the default logging hook
        session = await rig.client.code2session("test-code-10")
        await rig.client.phone_number("phone-code-10")
        with pytest.raises(UpstreamRejected):
            await rig.client.code2session("test-code-10")
    assert caplog.records  # the audit hook and debug lines did log something
    assert SANDBOX_SECRET not in caplog.text
    assert session.session_key.reveal() not in caplog.text
    assert SANDBOX_SECRET not in repr(rig.client)
