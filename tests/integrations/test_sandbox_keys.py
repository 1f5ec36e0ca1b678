"""The sandbox platforms' RSA keys come from the seed: every process (every API worker) holds the
same ones, so what one worker's twin signed verifies in another's."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from integrations import _keys
from integrations.payments.wechatpay import WeChatPayTwinState, create_wechatpay_twin
from integrations.sandbox import create_sandbox


@pytest.fixture
def cache(tmp_path: Path) -> Iterator[Path]:
    _keys.seeded_rsa_key.cache_clear()
    yield tmp_path / "keys"
    _keys.seeded_rsa_key.cache_clear()


def test_a_seed_derives_the_same_working_key_with_or_without_the_cache(cache: Path) -> None:
    first = _keys.seeded_rsa_key(3, "probe", cache=cache)
    written = list(cache.glob("*.pem"))
    assert len(written) == 1
    _keys.seeded_rsa_key.cache_clear()
    written[0].unlink()  # a fresh machine: derived again, not read
    again = _keys.seeded_rsa_key(3, "probe", cache=cache)
    assert again.private_numbers() == first.private_numbers()
    assert _keys.seeded_rsa_key(3, "probe").private_numbers() == first.private_numbers()  # no folder
    assert _keys.seeded_rsa_key(3, "other").private_numbers() != first.private_numbers()
    assert _keys.seeded_rsa_key(4, "probe").private_numbers() != first.private_numbers()
    signature = again.sign(b"message", padding.PKCS1v15(), hashes.SHA256())
    first.public_key().verify(signature, b"message", padding.PKCS1v15(), hashes.SHA256())
    assert first.key_size == 2048


def test_a_damaged_cache_file_is_derived_again(cache: Path) -> None:
    first = _keys.seeded_rsa_key(5, "probe", cache=cache)
    (written,) = cache.glob("*.pem")
    written.write_bytes(b"-----BEGIN PRIVATE KEY-----\nnot a key\n")
    _keys.seeded_rsa_key.cache_clear()
    assert _keys.seeded_rsa_key(5, "probe", cache=cache).private_numbers() == first.private_numbers()


def test_two_sandboxes_of_one_seed_hold_the_same_platform_keys(cache: Path) -> None:
    def platform_key(seed: int) -> int:
        sandbox = create_sandbox(seed=seed, systems={"wechatpay": create_wechatpay_twin}, key_cache=cache)
        state = sandbox.state("wechatpay")
        assert isinstance(state, WeChatPayTwinState)
        return state.platform_private_key.private_numbers().public_numbers.n

    first = platform_key(11)
    _keys.seeded_rsa_key.cache_clear()  # as another process would
    assert platform_key(11) == first
