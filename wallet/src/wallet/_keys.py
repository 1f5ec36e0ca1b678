"""P-256 signing keys, ES256 over JOSE's raw ``r || s``, and JWK helpers (RFC 7517, 7518, 7638)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Self

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from wallet._encoding import b64url_decode, b64url_encode, json_dumps
from wallet.errors import InvalidKey, Malformed

CURVE = ec.SECP256R1()
_ES256 = ec.ECDSA(hashes.SHA256())
_COORDINATE = 32

PublicKey = ec.EllipticCurvePublicKey
KeyLookup = Callable[[str | None, str | None], ec.EllipticCurvePublicKey | None]
"""``(iss, kid) -> public key or None``: how a verifier finds an issuer's key (e.g. from its jwks)."""


def _require_p256(key: ec.EllipticCurvePublicKey | ec.EllipticCurvePrivateKey) -> None:
    if not isinstance(key.curve, ec.SECP256R1):
        raise InvalidKey(f"curve {key.curve.name} is not P-256")


def public_jwk(key: ec.EllipticCurvePublicKey, *, kid: str | None = None) -> dict[str, str]:
    """The public JWK of a P-256 key: ``kty``, ``crv``, ``x``, ``y`` (and ``kid`` when given)."""
    _require_p256(key)
    numbers = key.public_numbers()
    jwk = {
        "kty": "EC",
        "crv": "P-256",
        "x": b64url_encode(numbers.x.to_bytes(_COORDINATE, "big")),
        "y": b64url_encode(numbers.y.to_bytes(_COORDINATE, "big")),
    }
    if kid is not None:
        jwk["kid"] = kid
    return jwk


def key_from_jwk(jwk: Mapping[str, Any]) -> ec.EllipticCurvePublicKey:
    """Load a P-256 public key from a JWK; private members (``d``) are refused.

    Raises:
        InvalidKey: not an EC P-256 public JWK, or the point is not on the curve.
    """
    if not isinstance(jwk, Mapping) or jwk.get("kty") != "EC" or jwk.get("crv") != "P-256":
        raise InvalidKey("not an EC P-256 JWK")
    if "d" in jwk:
        raise InvalidKey("a public JWK must not carry the private key")
    x, y = jwk.get("x"), jwk.get("y")
    if not isinstance(x, str) or not isinstance(y, str):
        raise InvalidKey("JWK x and y must be strings")
    try:
        xb, yb = b64url_decode(x), b64url_decode(y)
    except Malformed:
        raise InvalidKey("JWK coordinates are not base64url") from None
    if len(xb) != _COORDINATE or len(yb) != _COORDINATE:
        raise InvalidKey("JWK coordinates must be 32 bytes")
    try:
        return ec.EllipticCurvePublicKey.from_encoded_point(CURVE, b"\x04" + xb + yb)
    except ValueError:
        raise InvalidKey("JWK point is not on P-256") from None


def jwk_thumbprint(key: ec.EllipticCurvePublicKey | Mapping[str, Any]) -> str:
    """RFC 7638 thumbprint (SHA-256, base64url) of a P-256 key or its JWK."""
    jwk = public_jwk(key) if isinstance(key, ec.EllipticCurvePublicKey) else public_jwk(key_from_jwk(key))
    # RFC 7638 §3.2: required members only, lexicographic order, no whitespace.
    canonical = json_dumps({"crv": jwk["crv"], "kty": jwk["kty"], "x": jwk["x"], "y": jwk["y"]})
    return b64url_encode(hashlib.sha256(canonical).digest())


def sign_es256(private_key: ec.EllipticCurvePrivateKey, data: bytes) -> bytes:
    """ES256 signature in JOSE form (RFC 7518 §3.4): raw ``r || s``, 64 bytes."""
    r, s = decode_dss_signature(private_key.sign(data, _ES256))
    return r.to_bytes(_COORDINATE, "big") + s.to_bytes(_COORDINATE, "big")


def verify_es256(public_key: ec.EllipticCurvePublicKey, signature: bytes, data: bytes) -> bool:
    """Whether a raw ``r || s`` ES256 signature verifies over ``data``."""
    if len(signature) != 2 * _COORDINATE:
        return False
    r = int.from_bytes(signature[:_COORDINATE], "big")
    s = int.from_bytes(signature[_COORDINATE:], "big")
    if r == 0 or s == 0:
        return False
    try:
        public_key.verify(encode_dss_signature(r, s), data, _ES256)
    except InvalidSignature:
        return False
    return True


class SigningKey:
    """A P-256 private key for ES256; ``kid`` is its RFC 7638 thumbprint. The secret never appears
    in repr, str or pickles.

    Example:
        >>> key = SigningKey.generate()
        >>> SigningKey.from_pem(key.to_pem()).kid == key.kid
        True
    """

    __slots__ = ("_private", "kid", "public_key")

    def __init__(self, private_key: ec.EllipticCurvePrivateKey, *, kid: str | None = None) -> None:
        _require_p256(private_key)
        self._private = private_key
        self.public_key = private_key.public_key()
        self.kid = kid if kid is not None else jwk_thumbprint(self.public_key)

    @classmethod
    def generate(cls, *, kid: str | None = None) -> Self:
        """A fresh key from the operating system's random source."""
        return cls(ec.generate_private_key(CURVE), kid=kid)

    @classmethod
    def from_pem(cls, data: bytes, *, password: bytes | None = None, kid: str | None = None) -> Self:
        """Load a PKCS#8 (or SEC1) PEM private key.

        Raises:
            InvalidKey: not a P-256 private key, or the password is wrong.
        """
        try:
            key = serialization.load_pem_private_key(data, password=password)
        except (ValueError, TypeError) as exc:
            raise InvalidKey(f"cannot load private key: {exc}") from None
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise InvalidKey(f"{type(key).__name__} is not an elliptic-curve key")
        return cls(key, kid=kid)

    def to_pem(self, *, password: bytes | None = None) -> bytes:
        """PKCS#8 PEM, encrypted with the best available scheme when ``password`` is given."""
        encryption: serialization.KeySerializationEncryption = (
            serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
        )
        return self._private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
        )

    def public_jwk(self) -> dict[str, str]:
        """The public JWK with this key's ``kid``."""
        return public_jwk(self.public_key, kid=self.kid)

    def sign(self, data: bytes) -> bytes:
        """ES256 over ``data``, raw ``r || s``."""
        return sign_es256(self._private, data)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(kid={self.kid})"

    __str__ = __repr__

    def __reduce__(self) -> str | tuple[object, ...]:
        # Pickling would copy the secret into caches and queues; persist with to_pem().
        raise TypeError(f"{type(self).__name__} cannot be pickled; use to_pem()")


def jwks(keys: Iterable[SigningKey | ec.EllipticCurvePublicKey]) -> dict[str, list[dict[str, str]]]:
    """A JWK Set (RFC 7517 §5) of public keys, each with ``kid``, ``use: sig`` and ``alg: ES256``.

    Public keys without a ``SigningKey`` get their thumbprint as ``kid``. This is the ``jwks`` of
    ``/.well-known/jwt-vc-issuer`` metadata.
    """
    result = []
    for key in keys:
        jwk = key.public_jwk() if isinstance(key, SigningKey) else public_jwk(key, kid=jwk_thumbprint(key))
        result.append({**jwk, "use": "sig", "alg": "ES256"})
    return {"keys": result}


def jwks_lookup(document: Mapping[str, Any]) -> dict[str, ec.EllipticCurvePublicKey]:
    """The keys of a JWK Set by ``kid`` (for building a ``KeyLookup``).

    Raises:
        InvalidKey: a member is not a P-256 public JWK with a ``kid``.
    """
    keys = document.get("keys") if isinstance(document, Mapping) else None
    if not isinstance(keys, list):
        raise InvalidKey("a JWK Set needs a keys array")
    found: dict[str, ec.EllipticCurvePublicKey] = {}
    for jwk in keys:
        kid = jwk.get("kid") if isinstance(jwk, Mapping) else None
        if not isinstance(kid, str):
            raise InvalidKey("every key of the set needs a kid")
        found[kid] = key_from_jwk(jwk)
    return found
