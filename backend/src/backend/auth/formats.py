"""What our tokens look like on the wire: the one spelling of an access token's ES256 signature we
issue and accept (low-S, canonical), and the refresh token's shape and stored hash."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re

# "rt_" + 32 random bytes in unpadded base64url.
REFRESH_TOKEN_PATTERN = "rt_[A-Za-z0-9_-]{43}"  # noqa: S105 (a format, not a secret)
REFRESH_TOKEN_LENGTH = 46
REFRESH_TOKEN = re.compile(REFRESH_TOKEN_PATTERN)
# ES256 signs with P-256, whose group order is n (SEC 2 v2 §2.4.2). (r, s) and (r, n − s) both verify
# (and python-jose accepts either), so a holder could mint a second valid token string; we sign only
# s ≤ n/2 and accept only that, as Bitcoin does (BIP 146). RFC 7518 §3.4: r || s, 32 bytes each, in
# unpadded base64url: 86 characters whose last one carries 4 unused bits, which must be zero.
P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
_HALF_ORDER = (P256_ORDER // 2).to_bytes(32, "big")
_SIGNATURE_CHARS = 86


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def low_s(token: str) -> str:
    """``token`` with its ES256 signature's ``s`` in the low half (``n − s`` when jose drew a high one)."""
    head, _, encoded = token.rpartition(".")
    signature = base64.urlsafe_b64decode(encoded + "==")
    if signature[32:] <= _HALF_ORDER:
        return token
    s = P256_ORDER - int.from_bytes(signature[32:], "big")
    return f"{head}.{_b64url(signature[:32] + s.to_bytes(32, 'big'))}"


def canonical_signature(token: str) -> bool:
    """Whether the signature segment is the one spelling we sign: canonical base64url, s low."""
    encoded = token.rpartition(".")[2]
    if len(encoded) != _SIGNATURE_CHARS:
        return False
    try:
        signature = base64.urlsafe_b64decode(encoded + "==")
    except (binascii.Error, ValueError):
        return False
    # Re-encoding catches what the lenient decoder let through: stray characters, non-zero spare bits.
    return _b64url(signature) == encoded and signature[32:] <= _HALF_ORDER


def hash_refresh(token: str) -> str:
    # 256 random bits need no slow hash; SHA-256 keeps a database leak from yielding usable tokens.
    return hashlib.sha256(token.encode()).hexdigest()
