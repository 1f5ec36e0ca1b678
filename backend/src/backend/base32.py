"""80 bits as 16 characters of base32's alphabet, lower-case (RFC 4648 §6, no padding): request ids
and the gate's per-scene pseudonyms, once per request each.

``base64.b32encode`` is a Python loop (~3 µs for 10 bytes, more under load with a cold cache); eight
lookups in a table of every 10-bit value's two characters do the same in ~1 µs.
"""

from __future__ import annotations

_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"
_PAIRS = tuple(a + b for a in _ALPHABET for b in _ALPHABET)


def base32_80(raw: bytes) -> str:
    """``base64.b32encode(raw).decode().lower()`` for exactly 10 bytes."""
    if len(raw) != 10:
        raise ValueError("base32_80 takes exactly 10 bytes")
    n = int.from_bytes(raw)
    pairs = _PAIRS
    return (
        pairs[n >> 70]
        + pairs[(n >> 60) & 1023]
        + pairs[(n >> 50) & 1023]
        + pairs[(n >> 40) & 1023]
        + pairs[(n >> 30) & 1023]
        + pairs[(n >> 20) & 1023]
        + pairs[(n >> 10) & 1023]
        + pairs[n & 1023]
    )
