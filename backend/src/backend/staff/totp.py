"""Time-based one-time passwords (RFC 6238 over RFC 4226's HOTP): HMAC-SHA-1, 6 digits, 30-second steps.

What authenticator apps speak by default (Google Authenticator ignores any other algorithm or length in
an ``otpauth://`` URI), so those parameters are fixed, not settings. Written here rather than taken from
``pyotp``: it is 30 lines of the standard library; time comes in as an argument (tests and the RFC's
vectors are exact); and verifying answers *which step* matched, which the replay guard writes to the
database (a code is accepted once: ``SecondFactors``) — ``pyotp.TOTP.verify`` answers only a bool.
Checked against RFC 6238 Appendix B's SHA-1 vectors (tests/backend/staff/test_totp.py).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
from urllib.parse import quote, urlencode

DIGITS = 6
PERIOD = 30
# RFC 6238 §5.2: one step either side absorbs a phone's clock drift and the time it takes to type.
WINDOW = 1
# RFC 4226 §4 R6: a shared secret of 160 bits.
SECRET_BYTES = 20


def new_secret() -> str:
    """A fresh secret, base32 (RFC 4648) without padding: what the ``otpauth://`` URI carries."""
    return base64.b32encode(secrets.token_bytes(SECRET_BYTES)).decode().rstrip("=")


def _key(secret: str) -> bytes:
    return base64.b32decode(secret + "=" * (-len(secret) % 8), casefold=True)


def hotp(key: bytes, counter: int, *, digits: int = DIGITS) -> str:
    """RFC 4226 §5.3: HMAC-SHA-1 of the counter, dynamically truncated to ``digits`` decimal digits."""
    mac = hmac.digest(key, struct.pack(">Q", counter), hashlib.sha1)
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)


def step(unix_time: float) -> int:
    """The time step ``unix_time`` falls in (T0 = 0)."""
    return int(unix_time // PERIOD)


def code_at(secret: str, unix_time: float, *, digits: int = DIGITS) -> str:
    return hotp(_key(secret), step(unix_time), digits=digits)


def matching_step(secret: str, code: str, unix_time: float) -> int | None:
    """The step within ``WINDOW`` of ``unix_time`` whose code is ``code`` (the latest, should two
    match), or None. Every candidate is computed and compared in constant time."""
    key, now = _key(secret), step(unix_time)
    found = None
    for candidate in range(now - WINDOW, now + WINDOW + 1):
        if hmac.compare_digest(hotp(key, candidate), code):
            found = candidate
    return found


def provisioning_uri(secret: str, *, account: str, issuer: str) -> str:
    """The ``otpauth://totp/...`` URI an authenticator app reads from a QR code (Key Uri Format)."""
    label = quote(f"{issuer}:{account}", safe=":@")
    query = urlencode(
        {"secret": secret, "issuer": issuer, "algorithm": "SHA1", "digits": DIGITS, "period": PERIOD},
        quote_via=quote,
    )
    return f"otpauth://totp/{label}?{query}"
