"""Fixed keys, a fixed clock and factories shared by the wallet tests."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from wallet import IssuedCredential, SigningKey, Status, issue, present
from wallet._jws import sign_jws
from wallet._sdjwt import sd_hash_of

NOW = 1_760_000_000
ISS = "https://wallet.suqian.example"
VCT = "urn:cn:elicense:11100000000013338W011:1"
STATUS_URI = "https://wallet.suqian.example/status/1"
AUD = "x509_hash:verifier-window-7"
NONCE = "n-0S6_WzA2Mj"

ISSUER = SigningKey(ec.derive_private_key(0x1551E1, ec.SECP256R1()), kid="issuer-2025")
HOLDER = SigningKey(ec.derive_private_key(0x401DE2, ec.SECP256R1()))
STRANGER = SigningKey(ec.derive_private_key(0x57A2, ec.SECP256R1()))

# Twelve fields of a driving licence 照面, the shape research §4.1 expects.
CLAIMS: dict[str, Any] = {
    "license_id": "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U",
    "license_type_code": "11100000000013338W011",
    "issuer_org_code": "11430000006122244L",
    "name": "张三",
    "sex": "男",
    "birth_date": "1990-01-01",
    "nationality": "CN",
    "address": {"locality": "宿迁市", "street": "人民大道 1 号"},
    "licence_class": "C1",
    "first_issue_date": "2010-05-20",
    "valid_until": "2030-05-20",
    "endorsements": ["A", "B"],
}
CONSENTED = [("name",), ("licence_class",), ("address", "locality"), ("valid_until",), ("endorsements", 1)]


def seeded(seed: int = 7) -> Callable[[int], bytes]:
    """Deterministic randomness for salts and decoys (tests only)."""
    rng = random.Random(seed)
    return lambda n: rng.randbytes(n)


def lookup(iss: str | None, kid: str | None) -> ec.EllipticCurvePublicKey | None:
    return ISSUER.public_key if (iss, kid) == (ISS, ISSUER.kid) else None


def status_valid(uri: str, idx: int) -> int:
    return Status.VALID


def make_credential(**overrides: Any) -> IssuedCredential:
    arguments: dict[str, Any] = {
        "iss": ISS,
        "vct": VCT,
        "claims": CLAIMS,
        "holder_key": HOLDER.public_key,
        "status_uri": STATUS_URI,
        "status_idx": 42,
        "iat": NOW - 60,
        "exp": NOW + 86_400,
        "rng": seeded(),
    }
    arguments.update(overrides)
    return issue(ISSUER, **arguments)


def make_presentation(credential: IssuedCredential | None = None, **overrides: Any) -> str:
    arguments: dict[str, Any] = {
        "disclose": CONSENTED,
        "holder_key": HOLDER,
        "issuer_key_lookup": lookup,
        "aud": AUD,
        "nonce": NONCE,
        "iat": NOW,
    }
    arguments.update(overrides)
    return present(credential or make_credential(), **arguments).compact


def sign_issuer_jwt(payload: dict[str, Any], *, typ: str = "dc+sd-jwt", key: SigningKey = ISSUER) -> str:
    """An issuer JWT over an arbitrary payload: the tests' way to build hostile credentials."""
    return sign_jws(key, {"alg": "ES256", "typ": typ, "kid": key.kid}, payload)


def bind(hashed_part: str, *, key: SigningKey = HOLDER, **claims: Any) -> str:
    """Append a KB-JWT over ``issuer-jwt~d1~...~`` (claims override the honest ones)."""
    payload = {"iat": NOW, "aud": AUD, "nonce": NONCE, "sd_hash": sd_hash_of(hashed_part), **claims}
    return hashed_part + sign_jws(key, {"alg": "ES256", "typ": "kb+jwt"}, payload)
