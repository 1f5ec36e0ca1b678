"""Contract tests: the Alipay login adapter against its twin over real loopback HTTP."""

from __future__ import annotations

import contextlib
import random
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from integrations import (
    AuditEvent,
    ManualClock,
    UpstreamConfig,
    UpstreamMalformed,
    UpstreamRejected,
    UpstreamUnavailable,
)
from integrations.alipay import (
    SANDBOX_APP_ID,
    AlipayMiniProgram,
    AlipayTwinState,
    create_alipay_twin,
    load_private_key,
    load_public_key,
    sandbox_mobile,
    sandbox_open_id,
    sandbox_user_id,
)
from integrations.sandbox import Faults, Sandbox, create_sandbox

OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


class Rig:
    def __init__(self, sandbox: Sandbox, client: AlipayMiniProgram, base_url: str) -> None:
        self.sandbox = sandbox
        self.client = client
        self.base_url = base_url
        self.audit: list[AuditEvent] = []

    @property
    def state(self) -> AlipayTwinState:
        state = self.sandbox.twins["alipay"].state
        assert isinstance(state, AlipayTwinState)
        return state


@contextlib.asynccontextmanager
async def make_rig(
    serve_loopback: Any, *, client_clock: ManualClock | None = None, **overrides: Any
) -> AsyncIterator[Rig]:
    clock = ManualClock()
    sandbox = create_sandbox(clock=clock, systems={"alipay": create_alipay_twin})
    async with serve_loopback(sandbox) as base_url:
        # Configure the client the way the backend would: from the published sandbox keys.
        async with httpx.AsyncClient() as http:
            keys = (await http.get(f"{base_url}/alipay/sandbox-keys")).json()
        events: list[AuditEvent] = []
        options: dict[str, Any] = {
            "app_id": keys["app_id"],
            "app_private_key": load_private_key(keys["app_private_key"]),
            "alipay_public_key": load_public_key(keys["alipay_public_key"]),
            "aes_key": keys["aes_key"],
            "clock": client_clock or clock,
            "rng": random.Random(3),
            "audit": events.append,
            **overrides,
        }
        config = UpstreamConfig(base_url=f"{base_url}/alipay")
        async with AlipayMiniProgram(config, **options) as client:
            rig = Rig(sandbox, client, base_url)
            rig.audit = events
            yield rig


async def test_oauth_token_maps_seeded_code_to_open_id(serve_loopback: Any) -> None:
    async with make_rig(serve_loopback) as rig:
        token = await rig.client.oauth_token("test-auth-3")
    assert token.subject == token.open_id == sandbox_open_id(3)
    assert token.user_id == sandbox_user_id(3)
    assert token.expires_in > 0
    assert token.access_token not in repr(token)


async def test_oauth_token_rejects_reused_code(serve_loopback: Any) -> None:
    async with make_rig(serve_loopback) as rig:
        await rig.client.oauth_token("test-auth-4")
        with pytest.raises(UpstreamRejected) as caught:
            await rig.client.oauth_token("test-auth-4")
    assert caught.value.code == "isv.code-invalid"
    assert caught.value.system == "alipay"


async def test_refresh_token_grant_renews_and_is_single_use(serve_loopback: Any) -> None:
    async with make_rig(serve_loopback) as rig:
        first = await rig.client.oauth_token("test-auth-5")
        renewed = await rig.client.oauth_token(first.refresh_token, grant_type="refresh_token")
        assert renewed.subject == sandbox_open_id(5)
        with pytest.raises(UpstreamRejected) as caught:
            await rig.client.oauth_token(first.refresh_token, grant_type="refresh_token")
    assert caught.value.code == "isv.refresh-token-invalid"


async def test_isp_error_is_unavailable_and_not_retried(serve_loopback: Any) -> None:
    async with make_rig(serve_loopback) as rig:
        with pytest.raises(UpstreamUnavailable) as caught:
            await rig.client.oauth_token("test-auth-busy")
        assert caught.value.reason == "isp.unknow-error"
        assert rig.audit[-1].attempts == 1  # the code is single use: never replayed


async def test_request_signed_with_foreign_key_is_refused_by_gateway(serve_loopback: Any) -> None:
    async with make_rig(serve_loopback, app_private_key=OTHER_KEY) as rig:
        with pytest.raises(UpstreamRejected) as caught:
            await rig.client.oauth_token("test-auth-6")
    assert caught.value.code == "isv.invalid-signature"


async def test_unknown_app_id_is_refused(serve_loopback: Any) -> None:
    async with make_rig(serve_loopback, app_id="2021999999999999") as rig:
        with pytest.raises(UpstreamRejected) as caught:
            await rig.client.oauth_token("test-auth-6")
    assert caught.value.code == "isv.invalid-app-id"


async def test_answer_checked_with_wrong_alipay_public_key_is_malformed(serve_loopback: Any) -> None:
    # The classic bug: configuring the app's own public key instead of Alipay's.
    async with make_rig(serve_loopback, alipay_public_key=OTHER_KEY.public_key()) as rig:
        with pytest.raises(UpstreamMalformed) as caught:
            await rig.client.oauth_token("test-auth-7")
    assert caught.value.detail == "response signature invalid"


async def test_request_with_stale_timestamp_is_refused(serve_loopback: Any) -> None:
    late = ManualClock()
    late.advance(16 * 60)
    async with make_rig(serve_loopback, client_clock=late) as rig:
        with pytest.raises(UpstreamRejected) as caught:
            await rig.client.oauth_token("test-auth-8")
    assert caught.value.code == "isv.invalid-timestamp"


async def test_injected_outage_is_unavailable(serve_loopback: Any) -> None:
    async with make_rig(serve_loopback) as rig:
        rig.sandbox.twins["alipay"].faults.faults = Faults(down=True)
        with pytest.raises(UpstreamUnavailable) as caught:
            await rig.client.oauth_token("test-auth-9")
    assert caught.value.reason == "http_503"


async def test_phone_response_from_twin_verifies_and_decrypts(serve_loopback: Any) -> None:
    async with make_rig(serve_loopback) as rig:
        async with httpx.AsyncClient() as http:
            answer = await http.get(f"{rig.base_url}/alipay/phone-response", params={"n": "12"})
        assert rig.client.phone_number(answer.text) == sandbox_mobile(12)


async def test_sandbox_app_is_the_published_one(serve_loopback: Any) -> None:
    async with make_rig(serve_loopback) as rig:
        assert set(rig.state.gateway.apps) == {SANDBOX_APP_ID}
        await rig.client.oauth_token("test-auth-10")
        assert rig.state.gateway.calls == ["alipay.system.oauth.token"]
