"""Fresh sandbox platform users for each test: the twins derive identities from the code's number."""

from __future__ import annotations

import secrets
from typing import Any

import httpx

from integrations.alipay import AlipayTwinState, encrypt_phone_number, sandbox_mobile
from tests.backend.citizen.factories import request_code
from tests.services import Services


def fresh_n() -> int:
    return secrets.randbelow(10**8)


def wechat_code(n: int) -> str:
    """A one-time ``wx.login`` code for sandbox user ``n``."""
    return f"test-code-{n}-{secrets.token_hex(4)}"


def wechat_phone_code(n: int) -> str:
    """A one-time ``getPhoneNumber`` code resolving to ``sandbox_phone(n)``."""
    return f"phone-code-{n}-{secrets.token_hex(4)}"


def alipay_code(n: int) -> str:
    return f"test-auth-{n}-{secrets.token_hex(4)}"


def alipay_phone_response(services: Services, n: int) -> str:
    """What ``my.getPhoneNumber`` hands the mini program for sandbox user ``n``."""
    assert services.upstreams.sandbox is not None
    state = services.upstreams.sandbox.state("alipay")
    assert isinstance(state, AlipayTwinState)
    keys = state.gateway.keys
    return encrypt_phone_number(
        sandbox_mobile(n), aes_key=keys.aes_key, alipay_private_key=keys.alipay_private_key
    )


async def wechat_login(client: httpx.AsyncClient, n: int) -> httpx.Response:
    return await client.post("/mp/v1/wechat/login", json={"code": wechat_code(n)})


async def alipay_login(client: httpx.AsyncClient, n: int) -> httpx.Response:
    return await client.post("/mp/v1/alipay/login", json={"auth_code": alipay_code(n)})


def bind_ticket(response: httpx.Response) -> str:
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "bind_required", body
    ticket: str = body["bind_ticket"]
    return ticket


async def bind_with_sms(client: httpx.AsyncClient, ticket: str, person: dict[str, str]) -> httpx.Response:
    """Redeem ``ticket`` for ``person`` proving their phone with a "bind" SMS code."""
    return await client.post(
        "/mp/v1/bind",
        json={
            "bind_ticket": ticket,
            "phone": person["phone"],
            "sms_code": await request_code(client, person["phone"], "bind"),
            "name": person["name"],
            "id_number": person["id_number"],
        },
    )


async def bound_on_wechat(client: httpx.AsyncClient, person: dict[str, str]) -> tuple[int, dict[str, Any]]:
    """A fresh WeChat user bound to ``person``'s account; the user's number and the session."""
    n = fresh_n()
    response = await bind_with_sms(client, bind_ticket(await wechat_login(client, n)), person)
    assert response.status_code == 200, response.text
    session: dict[str, Any] = response.json()
    return n, session
