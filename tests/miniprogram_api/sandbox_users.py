"""Fresh sandbox platform users for each test: the twins derive identities from the code's number."""

from __future__ import annotations

import secrets

from backend.container import Container
from integrations.alipay import AlipayTwinState, encrypt_phone_number, sandbox_mobile


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


def alipay_phone_response(container: Container, n: int) -> str:
    """What ``my.getPhoneNumber`` hands the mini program for sandbox user ``n``."""
    assert container.upstreams.sandbox is not None
    state = container.upstreams.sandbox.state("alipay")
    assert isinstance(state, AlipayTwinState)
    keys = state.gateway.keys
    return encrypt_phone_number(
        sandbox_mobile(n), aes_key=keys.aes_key, alipay_private_key=keys.alipay_private_key
    )
