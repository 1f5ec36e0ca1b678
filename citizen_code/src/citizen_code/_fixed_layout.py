"""A fixed-layout reader for the one shape every issuer emits: the canonical online code.

Why: the strict path (``_cose.parse_sign1`` → ``_claims.decode_claims`` → ``_claims.read_online``)
walks the CBOR item by item in Python, ~5 µs a code, a tenth of the ECDSA check it wraps. The
issuer always writes the same bytes around the values (README, "Online code"):

    d2 84 4d a2 01 26 04 48 <kid:8> a0 58 LL
      a6 01 <tstr iss> 02 <tstr sub> 04 1a <exp:4> 06 1a <iat:4> 07 <bstr cti>
         3a 00 01 11 71 <status: 00 | 01>
      58 40 <r||s:64>

so one compiled regular expression checks the whole layout in C and hands back the values.

It only ever says "this is the canonical layout, here are its values" or "not this layout"
(``None``): the caller then runs the strict path, which accepts and refuses as before. So it can
refuse nothing. It accepts only bytes the strict path accepts with the same values, because every
alternative here is a subset of what the strict path reads:
- texts and byte strings of 0-23 bytes, each alternative fixing its own length by its head byte;
- NumericDates in the 4-byte form with a value of at least 2**16 (the shortest form's rule);
- keys in deterministic order, so none repeats; status 0 or 1, the two statuses there are;
- the payload's length byte equal to the payload's length (checked after the match), and
  ``fullmatch`` leaves no trailing byte; UTF-8 decoding errors give ``None``.
Codes outside it (longer texts, other integer widths, key order, an extra header) take the strict
path. ``tests/citizen_code/test_fixed_layout.py`` holds the two paths to the same answers.
"""

from __future__ import annotations

import re
import struct
from typing import TypeAlias

from citizen_code._claims import Status

# (kid, iss, sub, iat, exp, cti, status, signature, to_be_signed), not yet verified. A plain tuple:
# it is built for every scan, and a NamedTuple's constructor costs ~0.2 µs more.
OnlineFields: TypeAlias = tuple[bytes, str, str, int, int, bytes, Status, bytes, bytes]


def _sized(major_head: int, *, min_length: int) -> bytes:
    """A group matching a string item of 0-23 bytes: head byte, then exactly that many bytes."""
    return (
        b"("
        + b"|".join(re.escape(bytes((major_head + n,))) + b".{%d}" % n for n in range(min_length, 24))
        + b")"
    )


_TEXT = _sized(0x60, min_length=0)
_CTI = _sized(0x40, min_length=1)
# 0x1a and a 4-byte value whose first two bytes are not both zero: at least 2**16, shortest form.
_DATE = rb"\x1a(?!\x00\x00).{4}"
# exp and iat with their keys and heads, as one group: one unpack instead of two int.from_bytes.
_DATES = struct.Struct(">2xI2xI")

_ONLINE_CODE = re.compile(
    b"".join(
        (
            rb"\xd2\x84",  # tag 18, array of 4
            rb"\x4d\xa2\x01\x26\x04\x48(.{8})",  # protected: bstr(13) {1: -7, 4: kid}
            rb"\xa0",  # unprotected: {}
            rb"\x58(.)",  # payload: bstr, one-byte length
            rb"(\xa6",  # claims: map of 6, in deterministic key order
            rb"\x01" + _TEXT,  # iss
            rb"\x02" + _TEXT,  # sub
            rb"(\x04" + _DATE,  # exp
            rb"\x06" + _DATE + b")",  # iat
            rb"\x07" + _CTI,  # cti
            rb"\x3a\x00\x01\x11\x71([\x00\x01]))",  # -70002: status
            rb"\x58\x40(.{64})",  # signature: bstr(64)
        )
    ),
    re.DOTALL,
)
# Sig_structure ["Signature1", protected, h'', payload] up to the kid: the protected header is
# fixed but for its kid.
_TO_BE_SIGNED_HEAD = b"\x84\x6aSignature1\x4d\xa2\x01\x26\x04\x48"
_STATUS = (Status.NORMAL, Status.RESTRICTED)


def read_online_code(data: bytes) -> OnlineFields | None:
    """The values of ``data`` if it is a canonical online code, else None (take the strict path)."""
    match = _ONLINE_CODE.fullmatch(data)
    if match is None:
        return None
    kid, length, payload, iss, sub, dates, cti, status, signature = match.groups()
    if len(payload) != length[0]:
        return None
    exp, iat = _DATES.unpack(dates)
    try:
        issuer = iss[1:].decode("utf-8")
        subject = sub[1:].decode("utf-8")
    except UnicodeDecodeError:
        return None
    return (
        kid,
        issuer,
        subject,
        iat,
        exp,
        cti[1:],
        _STATUS[status[0]],
        signature,
        _TO_BE_SIGNED_HEAD + kid + b"\x40\x58" + length + payload,
    )
