"""COSE_Sign1 (RFC 9052) with ES256, and EC2 COSE_Key (RFC 9053) for device keys.

Only the shape this format emits is accepted: tag 18, a protected header carrying alg
ES256 (and a kid or a content type), an empty unprotected header, a byte-string payload and
a 64-byte signature. The Sig_structure is built from the exact byte ranges of the message,
so verification never re-encodes anything.
"""

from __future__ import annotations

from typing import NamedTuple

from cryptography.hazmat.primitives.asymmetric import ec

from citizen_code import _cbor
from citizen_code._keys import COORDINATE, CURVE, KID_LENGTH, P256Key
from citizen_code.errors import InvalidCbor, InvalidKey

TAG_SIGN1_HEAD = b"\xd2\x84"  # tag 18, array of 4
HEADER_ALG = 1
HEADER_CONTENT_TYPE = 3
HEADER_KID = 4
ALG_ES256 = -7
SIGNATURE_LENGTH = 2 * COORDINATE

_SIG_STRUCTURE_HEAD = b"\x84" + _cbor.encode("Signature1")
_EMPTY_AAD = b"\x40"
_EMPTY_MAP = 0xA0
_SIGNATURE_HEAD = _cbor.encode_head(2, SIGNATURE_LENGTH)
# kty EC2 = 2, crv P-256 = 1, x = -2, y = -3 (RFC 9053 §7.1.1).
_KTY, _CRV, _X, _Y = 1, -1, -2, -3
_KTY_EC2, _CRV_P256 = 2, 1


class Sign1(NamedTuple):
    """A parsed, not yet verified COSE_Sign1 (a NamedTuple: it is built for every scan)."""

    header: dict[object, object]
    kid: bytes | None
    payload: bytes
    signature: bytes
    to_be_signed: bytes


# Valid codes carry one protected header per issuer key, so scanners see the same few
# byte strings over and over; remembering their validated form saves a decode a scan.
# Bounded so that a stream of distinct forged headers cannot grow it.
_HEADER_CACHE: dict[bytes, tuple[dict[object, object], bytes | None]] = {}
_HEADER_CACHE_SIZE = 64


def protected_header(*, kid: bytes | None = None, content_type: str | None = None) -> bytes:
    """The serialised protected header: alg ES256 plus an optional kid or content type."""
    header: dict[int | str, _cbor.CborValue] = {HEADER_ALG: ALG_ES256}
    if kid is not None:
        header[HEADER_KID] = kid
    if content_type is not None:
        header[HEADER_CONTENT_TYPE] = content_type
    return _cbor.encode(header)


def sig_structure(protected: bytes, payload: bytes) -> bytes:
    """The RFC 9052 §4.4 Sig_structure for COSE_Sign1 with empty external AAD."""
    return _SIG_STRUCTURE_HEAD + _cbor.encode(protected) + _EMPTY_AAD + _cbor.encode(payload)


def encode_sign1(protected: bytes, payload: bytes, signature: bytes) -> bytes:
    """Assemble a tagged COSE_Sign1 from its parts."""
    return (
        TAG_SIGN1_HEAD
        + _cbor.encode(protected)
        + bytes((_EMPTY_MAP,))
        + _cbor.encode(payload)
        + _SIGNATURE_HEAD
        + signature
    )


def sign1(key: P256Key, protected: bytes, payload: bytes) -> bytes:
    """Sign ``payload`` under ``protected`` and return the tagged COSE_Sign1."""
    return encode_sign1(protected, payload, key.sign(sig_structure(protected, payload)))


def _bstr_at(data: bytes, pos: int, what: str) -> tuple[int, int]:
    major, length, start = _cbor.decode_head(data, pos)
    if major != 2:
        raise InvalidCbor(f"{what} is not a byte string")
    end = start + length
    if end > len(data):
        raise InvalidCbor(f"truncated: {what}")
    return start, end


def parse_sign1(data: bytes) -> Sign1:
    """Parse a tagged COSE_Sign1 strictly; the signature is not checked here.

    Raises:
        InvalidCbor: any deviation from the accepted shape.
    """
    if not data.startswith(TAG_SIGN1_HEAD):
        raise InvalidCbor("not a tagged COSE_Sign1 (tag 18, array of 4)")
    p_start, p_end = _bstr_at(data, 2, "protected header")
    if p_end >= len(data) or data[p_end] != _EMPTY_MAP:
        raise InvalidCbor("unprotected header must be an empty map")
    payload_start, payload_end = _bstr_at(data, p_end + 1, "payload")
    if data[payload_end : payload_end + 2] != _SIGNATURE_HEAD:
        raise InvalidCbor("signature is not a 64-byte string")
    if len(data) != payload_end + 2 + SIGNATURE_LENGTH:
        raise InvalidCbor("COSE_Sign1 length does not match its content")
    protected = data[p_start:p_end]
    cached = _HEADER_CACHE.get(protected)
    if cached is None:
        cached = _read_protected(protected)
        if len(_HEADER_CACHE) < _HEADER_CACHE_SIZE:
            _HEADER_CACHE[protected] = cached
    return Sign1(
        cached[0],
        cached[1],
        data[payload_start:payload_end],
        data[payload_end + 2 :],
        _SIG_STRUCTURE_HEAD + data[2:p_end] + _EMPTY_AAD + data[p_end + 1 : payload_end],
    )


def _read_protected(protected: bytes) -> tuple[dict[object, object], bytes | None]:
    header = _cbor.decode(protected, max_depth=1)
    if not isinstance(header, dict) or header.get(HEADER_ALG) != ALG_ES256:
        raise InvalidCbor("protected header must carry alg ES256 (-7)")
    kid = header.get(HEADER_KID)
    if kid is not None and not (isinstance(kid, bytes) and len(kid) == KID_LENGTH):
        raise InvalidCbor("kid must be an 8-byte string")
    if not header.keys() <= {HEADER_ALG, HEADER_KID, HEADER_CONTENT_TYPE}:
        raise InvalidCbor("protected header has fields this format does not use")
    return header, kid


def cose_key(public_key: ec.EllipticCurvePublicKey) -> dict[int | str, _cbor.CborValue]:
    """An EC2 COSE_Key with point compression: y is the sign bit (RFC 9053 §7.1.1)."""
    numbers = public_key.public_numbers()
    return {
        _KTY: _KTY_EC2,
        _CRV: _CRV_P256,
        _X: numbers.x.to_bytes(COORDINATE, "big"),
        _Y: bool(numbers.y & 1),
    }


def public_key_from_cose(value: object) -> ec.EllipticCurvePublicKey:
    """Load the P-256 key of an EC2 COSE_Key (compressed or full y).

    Raises:
        InvalidKey: not an EC2 P-256 COSE_Key, or not a point on the curve.
    """
    if not isinstance(value, dict) or value.get(_KTY) != _KTY_EC2 or value.get(_CRV) != _CRV_P256:
        raise InvalidKey("not an EC2 P-256 COSE_Key")
    x, y = value.get(_X), value.get(_Y)
    if not isinstance(x, bytes) or len(x) != COORDINATE:
        raise InvalidKey("COSE_Key x must be 32 bytes")
    if isinstance(y, bool):
        point = bytes((3 if y else 2,)) + x
    elif isinstance(y, bytes) and len(y) == COORDINATE:
        point = b"\x04" + x + y
    else:
        raise InvalidKey("COSE_Key y must be 32 bytes or a sign bit")
    try:
        return ec.EllipticCurvePublicKey.from_encoded_point(CURVE, point)
    except ValueError:
        raise InvalidKey("COSE_Key is not a point on P-256") from None
