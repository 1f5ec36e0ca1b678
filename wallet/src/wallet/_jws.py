"""Compact JWS (RFC 7515) with ES256 only: sign, parse, verify, and the issuer-key step every token shares."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from wallet._encoding import b64url_decode, b64url_encode, json_dumps, json_object
from wallet._keys import KeyLookup, SigningKey, verify_es256
from wallet.errors import BadSignature, Malformed, UnknownIssuerKey, UnsupportedAlgorithm, WrongType


@dataclass(frozen=True, slots=True)
class ParsedJws:
    """A compact JWS split and decoded, signature not yet checked."""

    header: dict[str, Any]
    payload: dict[str, Any]
    signing_input: bytes
    signature: bytes

    @property
    def kid(self) -> str | None:
        """The header ``kid`` when it is a string."""
        kid = self.header.get("kid")
        return kid if isinstance(kid, str) else None

    def verify_with(self, key: ec.EllipticCurvePublicKey) -> None:
        """Raises BadSignature unless the signature verifies under ``key``."""
        if not verify_es256(key, self.signature, self.signing_input):
            raise BadSignature("the JWS signature does not verify")


def sign_jws(key: SigningKey, header: dict[str, Any], payload: dict[str, Any]) -> str:
    """Serialise and sign; ``header`` must already hold ``alg: ES256`` and whatever else it needs."""
    signing_input = b64url_encode(json_dumps(header)) + "." + b64url_encode(json_dumps(payload))
    return signing_input + "." + b64url_encode(key.sign(signing_input.encode("ascii")))


def parse_jws(text: str, *, what: str) -> ParsedJws:
    """Split a compact JWS and decode its header and payload (both JSON objects).

    Raises:
        Malformed: not three base64url parts of JSON objects.
        UnsupportedAlgorithm: ``alg`` is not ES256, or the header has ``crit``.
    """
    parts = text.split(".")
    if len(parts) != 3:
        raise Malformed(f"{what} is not a compact JWS")
    header = json_object(b64url_decode(parts[0], what=f"{what} header"), what=f"{what} header")
    payload = json_object(b64url_decode(parts[1], what=f"{what} payload"), what=f"{what} payload")
    signature = b64url_decode(parts[2], what=f"{what} signature")
    alg = header.get("alg")
    if alg != "ES256":
        raise UnsupportedAlgorithm(alg=str(alg))
    if "crit" in header:
        # RFC 7515 §4.1.11: extensions we do not understand must make us refuse.
        raise UnsupportedAlgorithm(alg="crit")
    return ParsedJws(header, payload, (parts[0] + "." + parts[1]).encode("ascii"), signature)


def check_typ(jws: ParsedJws, expected: str) -> None:
    """Raises WrongType unless the header ``typ`` is exactly ``expected``."""
    if jws.header.get("typ") != expected:
        raise WrongType(expected=expected, got=jws.header.get("typ"))


def verify_issuer_signature(jws: ParsedJws, lookup: KeyLookup) -> ec.EllipticCurvePublicKey:
    """Find the issuer key by (``iss``, ``kid``) and check the signature with it.

    Raises:
        UnknownIssuerKey: the lookup returned None.
        BadSignature: the signature does not verify.
    """
    iss = jws.payload.get("iss")
    iss = iss if isinstance(iss, str) else None
    key = lookup(iss, jws.kid)
    if key is None:
        raise UnknownIssuerKey(iss=iss, kid=jws.kid)
    jws.verify_with(key)
    return key
