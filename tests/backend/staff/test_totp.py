"""Our TOTP against RFC 6238 Appendix B (SHA-1 rows): the 8-digit vectors, and the 6 digits staff type."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs, urlsplit

import pytest

from backend.staff import totp

# RFC 6238 Appendix B: the SHA-1 seed is the ASCII string "12345678901234567890".
SEED = base64.b32encode(b"12345678901234567890").decode()
VECTORS = [
    (59, "94287082"),
    (1111111109, "07081804"),
    (1111111111, "14050471"),
    (1234567890, "89005924"),
    (2000000000, "69279037"),
    (20000000000, "65353130"),
]


@pytest.mark.parametrize(("unix_time", "expected"), VECTORS)
def test_codes_match_the_rfc_6238_sha1_vectors(unix_time: int, expected: str) -> None:
    assert totp.code_at(SEED, unix_time, digits=8) == expected
    # Six digits are the last six of the same truncated value (RFC 4226 §5.3).
    assert totp.code_at(SEED, unix_time) == expected[-6:]


def test_a_code_matches_its_own_step_and_one_either_side_only() -> None:
    now = 1_111_111_111
    for offset in (-1, 0, 1):
        code = totp.code_at(SEED, now + offset * totp.PERIOD)
        assert totp.matching_step(SEED, code, now) == totp.step(now) + offset
    for offset in (-3, -2, 2, 3):
        code = totp.code_at(SEED, now + offset * totp.PERIOD)
        assert totp.matching_step(SEED, code, now) is None


def test_a_new_secret_is_160_bits_of_base32_without_padding() -> None:
    secret = totp.new_secret()
    assert len(secret) == 32
    assert "=" not in secret
    assert len(base64.b32decode(secret)) == totp.SECRET_BYTES
    assert totp.new_secret() != secret


def test_the_provisioning_uri_says_what_authenticator_apps_read() -> None:
    uri = totp.provisioning_uri(SEED, account="admin", issuer="My Suqian")
    parts = urlsplit(uri)
    assert (parts.scheme, parts.netloc, parts.path) == ("otpauth", "totp", "/My%20Suqian:admin")
    assert parse_qs(parts.query) == {
        "secret": [SEED],
        "issuer": ["My Suqian"],
        "algorithm": ["SHA1"],
        "digits": ["6"],
        "period": ["30"],
    }
