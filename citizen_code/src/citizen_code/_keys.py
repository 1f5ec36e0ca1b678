"""P-256 keys: issuer / trust-anchor keys (named by kid) and device keys (named by COSE_Key)."""

from __future__ import annotations

import hashlib
from typing import Self

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from citizen_code.errors import InvalidKey

CURVE = ec.SECP256R1()
# One shared algorithm object: building it per verify would cost on the hot path.
ES256 = ec.ECDSA(hashes.SHA256())
KID_LENGTH = 8
COORDINATE = 32
# P-256's group order n (SEC 2 v2 §2.4.2). (r, s) and (r, n − s) verify alike, so anyone can turn a
# signature into a second valid one: a second, different code text for the same signed content. We
# sign only the low half (s ≤ n/2) and verify only the low half, as Bitcoin does (BIP 146), so
# a signed object has one encoding: byte-keyed caches, dedupe and scan logs can't be split by it.
ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
_HALF_ORDER = ORDER // 2
# s as 32 big-endian bytes compares like the number: a byte comparison per verify, no int.
_HALF_ORDER_BYTES = _HALF_ORDER.to_bytes(COORDINATE, "big")

_SPKI_DER = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def spki_der(public_key: ec.EllipticCurvePublicKey) -> bytes:
    """The DER SubjectPublicKeyInfo of a public key."""
    return public_key.public_bytes(*_SPKI_DER)


def kid_of(public_key: ec.EllipticCurvePublicKey) -> bytes:
    """Key id: the first 8 bytes of SHA-256 over the DER SubjectPublicKeyInfo (as EU DCC)."""
    return hashlib.sha256(spki_der(public_key)).digest()[:KID_LENGTH]


def _require_p256(key: ec.EllipticCurvePublicKey | ec.EllipticCurvePrivateKey) -> None:
    if not isinstance(key.curve, ec.SECP256R1):
        raise InvalidKey(f"curve {key.curve.name} is not P-256")


def load_public_key(data: ec.EllipticCurvePublicKey | bytes) -> ec.EllipticCurvePublicKey:
    """Load a P-256 public key from an object, PEM or DER SPKI, or a SEC1 point.

    Raises:
        InvalidKey: not a P-256 public key in one of those encodings.
    """
    if isinstance(data, ec.EllipticCurvePublicKey):
        key = data
    else:
        try:
            if data.startswith(b"-----BEGIN"):
                loaded = serialization.load_pem_public_key(data)
            elif len(data) in (33, 65) and data[0] in (2, 3, 4):
                loaded = ec.EllipticCurvePublicKey.from_encoded_point(CURVE, data)
            else:
                loaded = serialization.load_der_public_key(data)
        except ValueError as exc:
            raise InvalidKey(f"cannot load public key: {exc}") from None
        if not isinstance(loaded, ec.EllipticCurvePublicKey):
            raise InvalidKey(f"{type(loaded).__name__} is not an elliptic-curve key")
        key = loaded
    _require_p256(key)
    return key


# DER heads of the usual case, r and s both 32 bytes with a non-zero first byte, by whether
# each needs a 0x00 pad (its top bit set): SEQUENCE, INTEGER r; then INTEGER s.
_DER_HEADS = (
    (b"\x30\x44\x02\x20", b"\x30\x45\x02\x20"),
    (b"\x30\x45\x02\x21\x00", b"\x30\x46\x02\x21\x00"),
)
_DER_S_HEADS = (b"\x02\x20", b"\x02\x21\x00")


def raw_to_der(signature: bytes) -> bytes:
    """COSE's raw ``r || s`` as the DER ``ECDSA-Sig-Value`` OpenSSL expects.

    Written out rather than via ``encode_dss_signature`` because it runs once per scan: with
    both first bytes non-zero (all but ~1 in 128 signatures) the DER is two table heads around
    the two halves (~0.2 µs); otherwise leading zeros are stripped first (~0.5 µs), which still
    beats two big-integer conversions. A zero ``r`` or ``s`` (never valid) gives an empty
    result, which fails verification.
    """
    if len(signature) == 2 * COORDINATE and signature[0] and signature[COORDINATE]:
        s_pad = signature[COORDINATE] >> 7
        return (
            _DER_HEADS[signature[0] >> 7][s_pad]
            + signature[:COORDINATE]
            + _DER_S_HEADS[s_pad]
            + signature[COORDINATE:]
        )
    r = signature[:COORDINATE].lstrip(b"\0")
    s = signature[COORDINATE:].lstrip(b"\0")
    if not r or not s:
        return b""
    if r[0] & 0x80:
        r = b"\0" + r
    if s[0] & 0x80:
        s = b"\0" + s
    return b"\x30" + bytes((len(r) + len(s) + 4, 2, len(r))) + r + bytes((2, len(s))) + s


def is_low_s(signature: bytes) -> bool:
    """Whether a raw ``r || s`` signature has ``s`` in the low half of the group (``s ≤ n/2``)."""
    return len(signature) == 2 * COORDINATE and signature[COORDINATE:] <= _HALF_ORDER_BYTES


def verify_raw(public_key: ec.EllipticCurvePublicKey, signature: bytes, data: bytes) -> bool:
    """Verify a COSE ES256 signature (raw ``r || s``, 64 bytes) over ``data``; a high-S signature,
    the malleable twin of a valid one, does not verify (see ``ORDER``)."""
    # is_low_s, inlined: this runs once per scan.
    if len(signature) != 2 * COORDINATE or signature[COORDINATE:] > _HALF_ORDER_BYTES:
        return False
    try:
        public_key.verify(raw_to_der(signature), data, ES256)
    except InvalidSignature:
        return False
    return True


class P256Key:
    """A P-256 private key whose secret never appears in repr, str or logs."""

    __slots__ = ("_private", "kid", "public_key")

    def __init__(self, private_key: ec.EllipticCurvePrivateKey) -> None:
        _require_p256(private_key)
        self._private = private_key
        self.public_key = private_key.public_key()
        self.kid = kid_of(self.public_key)

    @classmethod
    def generate(cls) -> Self:
        """Create a fresh key from the operating system's random source."""
        return cls(ec.generate_private_key(CURVE))

    @classmethod
    def from_pem(cls, data: bytes, *, password: bytes | None = None) -> Self:
        """Load a PKCS#8 (or SEC1) PEM private key, encrypted when ``password`` is given.

        Raises:
            InvalidKey: not a P-256 private key, or the password is wrong.
        """
        try:
            key = serialization.load_pem_private_key(data, password=password)
        except (ValueError, TypeError) as exc:
            raise InvalidKey(f"cannot load private key: {exc}") from None
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise InvalidKey(f"{type(key).__name__} is not an elliptic-curve key")
        return cls(key)

    def to_pem(self, *, password: bytes | None = None) -> bytes:
        """Serialise as PKCS#8 PEM; encrypted with the best available scheme if ``password``."""
        encryption: serialization.KeySerializationEncryption = (
            serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
        )
        return self._private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
        )

    def public_pem(self) -> bytes:
        """The public key as PEM SubjectPublicKeyInfo (safe to publish)."""
        return self.public_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    @property
    def spki(self) -> bytes:
        """The public key as DER SubjectPublicKeyInfo; ``kid`` hashes exactly these bytes."""
        return spki_der(self.public_key)

    def sign(self, data: bytes) -> bytes:
        """Sign ``data`` with ES256 and return COSE's raw ``r || s`` (64 bytes), ``s`` low."""
        r, s = decode_dss_signature(self._private.sign(data, ES256))
        return r.to_bytes(COORDINATE, "big") + min(s, ORDER - s).to_bytes(COORDINATE, "big")

    def __repr__(self) -> str:
        return f"{type(self).__name__}(kid={self.kid.hex()})"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, P256Key) and type(other) is type(self) and self.spki == other.spki

    def __hash__(self) -> int:
        return hash(self.kid)

    def __reduce__(self) -> str | tuple[object, ...]:
        # Pickling would copy the secret into caches, queues and crash dumps; persist
        # keys explicitly with to_pem() instead.
        raise TypeError(f"{type(self).__name__} cannot be pickled; use to_pem()")


class IssuerKey(P256Key):
    """A key that signs codes and holder credentials, or, as the trust anchor, trust lists.

    Example:
        >>> key = IssuerKey.generate()
        >>> IssuerKey.from_pem(key.to_pem()).kid == key.kid
        True
    """

    __slots__ = ()


class DeviceKey(P256Key):
    """The phone's key: certified by a holder credential, it signs every displayed frame."""

    __slots__ = ()
