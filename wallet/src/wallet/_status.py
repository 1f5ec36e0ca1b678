"""Token Status List (draft-ietf-oauth-status-list): the bit array, its ``lst`` encoding and the
``statuslist+jwt`` token.

Entry ``i`` of a ``bits``-wide list lives in byte ``i * bits // 8`` at bit offset
``(i * bits) % 8``, counted from the least significant bit (draft §4.1). The byte array is
compressed with DEFLATE in the ZLIB format (RFC 1950) at level 9 and base64url-encoded as ``lst``.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum
from typing import Any, Self

from wallet._encoding import b64url_decode, b64url_encode, is_int, numeric_date
from wallet._jws import check_typ, parse_jws, sign_jws, verify_issuer_signature
from wallet._keys import KeyLookup, SigningKey
from wallet.errors import Expired, Malformed, MissingClaim, StatusUnavailable, TooLarge, WrongSubject

TYP = "statuslist+jwt"
BITS = (1, 2, 4, 8)
MAX_ENTRIES = 1 << 24  # 16 Mi entries: far past a 2^20 shard, small enough to refuse a zip bomb
MAX_TOKEN_BYTES = 1 << 22


class Status(IntEnum):
    """Status values of draft §7.1; 0x03 and above are application-specific."""

    VALID = 0
    INVALID = 1
    SUSPENDED = 2


StatusCheck = Callable[[str, int], int]
"""``(uri, idx) -> status value``; raise ``StatusUnavailable`` when the list cannot be had fresh."""


@dataclass(frozen=True, slots=True)
class StatusRef:
    """A credential's ``status.status_list``: which entry of which list."""

    uri: str
    idx: int


class StatusList:
    """A mutable list of ``size`` statuses, ``bits`` wide each (1, 2, 4 or 8); all VALID at first."""

    __slots__ = ("_bytes", "bits", "size")

    def __init__(self, size: int, *, bits: int = 2) -> None:
        if bits not in BITS:
            raise ValueError(f"bits must be one of {BITS}")
        if not 0 < size <= MAX_ENTRIES:
            raise ValueError(f"size must be 1..{MAX_ENTRIES}")
        self.bits = bits
        self.size = size
        self._bytes = bytearray(-(-size * bits // 8))

    def _locate(self, idx: int) -> tuple[int, int]:
        if not (is_int(idx) and 0 <= idx < self.size):
            raise StatusUnavailable(f"index {idx!r} is outside the list of {self.size}")
        position = idx * self.bits
        return position // 8, position % 8

    def get(self, idx: int) -> int:
        """The status value at ``idx``.

        Raises:
            StatusUnavailable: ``idx`` is outside the list.
        """
        byte, shift = self._locate(idx)
        return (self._bytes[byte] >> shift) & ((1 << self.bits) - 1)

    def set(self, idx: int, value: int) -> None:
        """Set the status value at ``idx`` (``Status`` or any value that fits in ``bits``)."""
        if not (is_int(value) and 0 <= value < (1 << self.bits)):
            raise ValueError(f"status {value!r} does not fit in {self.bits} bits")
        byte, shift = self._locate(idx)
        mask = ((1 << self.bits) - 1) << shift
        self._bytes[byte] = (self._bytes[byte] & ~mask) | (value << shift)

    def to_bytes(self) -> bytes:
        """The uncompressed byte array."""
        return bytes(self._bytes)

    def compressed(self) -> bytes:
        """ZLIB (RFC 1950) of the byte array at the highest level, as the draft recommends."""
        return zlib.compress(bytes(self._bytes), 9)

    def encode(self) -> dict[str, Any]:
        """The ``status_list`` claim: ``{"bits": ..., "lst": base64url(zlib(bytes))}``."""
        return {"bits": self.bits, "lst": b64url_encode(self.compressed())}

    @classmethod
    def from_bytes(cls, data: bytes, *, bits: int) -> Self:
        """A list over an uncompressed byte array; its size is every entry the bytes hold."""
        result = cls(len(data) * 8 // bits, bits=bits)
        result._bytes[:] = data
        return result

    @classmethod
    def decode(cls, claim: object) -> Self:
        """Read a ``status_list`` claim ``{"bits", "lst"}``.

        Raises:
            Malformed: wrong shape, bad base64url or zlib data, or more than ``MAX_ENTRIES``.
        """
        if not isinstance(claim, dict):
            raise Malformed("status_list must be an object")
        bits, lst = claim.get("bits"), claim.get("lst")
        if bits not in BITS or not is_int(bits) or not isinstance(lst, str):
            raise Malformed("status_list needs bits in {1,2,4,8} and a string lst")
        raw = b64url_decode(lst, what="lst")
        inflater = zlib.decompressobj()
        limit = MAX_ENTRIES * bits // 8
        try:
            data = inflater.decompress(raw, limit + 1)
        except zlib.error:
            raise Malformed("lst is not ZLIB data") from None
        if len(data) > limit:
            raise Malformed("the status list is larger than this verifier accepts")
        if not inflater.eof or inflater.unused_data or not data:
            raise Malformed("lst is not one complete, non-empty ZLIB stream")
        return cls.from_bytes(data, bits=bits)


def sign_status_list(
    key: SigningKey,
    status_list: StatusList,
    *,
    uri: str,
    iat: int,
    exp: int,
    ttl: int,
    iss: str | None = None,
) -> str:
    """The Status List Token: a JWS with ``typ: statuslist+jwt``, ``sub`` = ``uri``, ``iat``, ``exp``,
    ``ttl`` and ``status_list`` (draft §5.1), signed ES256 under ``key.kid``."""
    payload: dict[str, Any] = {"sub": uri, "iat": iat, "exp": exp, "ttl": ttl}
    if iss is not None:
        payload["iss"] = iss
    payload["status_list"] = status_list.encode()
    return sign_jws(key, {"alg": "ES256", "typ": TYP, "kid": key.kid}, payload)


@dataclass(frozen=True, slots=True)
class StatusListToken:
    """A verified Status List Token: the list and the times that govern caching it."""

    status_list: StatusList
    uri: str
    iat: int
    exp: int | None
    ttl: int | None


def read_status_list(
    token: object,
    *,
    uri: str,
    issuer_key_lookup: KeyLookup,
    now: int,
    leeway: int = 60,
    max_bytes: int = MAX_TOKEN_BYTES,
) -> StatusListToken:
    """Verify a Status List Token (draft §8.3): signature, ``typ``, ``sub`` = ``uri``, ``iat``, ``exp``.

    Raises:
        TooLarge, Malformed, UnsupportedAlgorithm, UnknownIssuerKey, BadSignature, WrongType,
        WrongSubject, MissingClaim, Expired: the token is not a valid, current list for ``uri``.
    """
    if not isinstance(token, str):
        raise Malformed("a status list token is a string")
    if len(token) > max_bytes:
        raise TooLarge(size=len(token), limit=max_bytes)
    if not token.isascii():
        raise Malformed("a status list token is ASCII")
    jws = parse_jws(token, what="status list token")
    verify_issuer_signature(jws, issuer_key_lookup)
    check_typ(jws, TYP)
    if jws.payload.get("sub") != uri:
        raise WrongSubject(expected=uri, got=jws.payload.get("sub"))
    iat = numeric_date(jws.payload.get("iat"))
    if iat is None:
        raise MissingClaim(claim="iat")
    exp = numeric_date(jws.payload.get("exp")) if "exp" in jws.payload else None
    if "exp" in jws.payload and exp is None:
        raise MissingClaim(claim="exp")
    if exp is not None and now - leeway >= exp:
        raise Expired(exp=exp)
    ttl = jws.payload.get("ttl")
    if ttl is not None and not (is_int(ttl) and ttl > 0):
        raise MissingClaim(claim="ttl")
    return StatusListToken(StatusList.decode(jws.payload.get("status_list")), uri, iat, exp, ttl)
