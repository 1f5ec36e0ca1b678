"""Verify an SD-JWT VC presentation in RFC 9901 §7 order.

1. size limit, split at ``~``;
2. issuer JWS: ``alg`` ES256, signature under the looked-up key, ``typ: dc+sd-jwt``;
3. disclosures (``_process``);
4. time checks on the *processed* payload, so an ``exp`` hidden in a disclosure still counts;
   then the SD-JWT VC rule that ``iss``/``vct``/``iat``/``nbf``/``exp``/``cnf``/``status`` are
   never disclosures;
5. the KB-JWT: ``typ: kb+jwt``, signature under ``cnf.jwk``, ``aud``, ``nonce``, ``sd_hash``,
   ``iat`` within ``[now - max_kb_age, now + leeway]``;
6. status, through the caller's ``status_check``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from wallet._disclosure import NEVER_DISCLOSABLE, ClaimPath
from wallet._encoding import numeric_date
from wallet._jws import ParsedJws, parse_jws
from wallet._keys import KeyLookup, key_from_jwk
from wallet._sdjwt import KB_TYP, MAX_BYTES, SplitSdJwt, open_credential, sd_hash_of, split_compact
from wallet._status import Status, StatusCheck, StatusRef
from wallet.errors import (
    BadDisclosure,
    Expired,
    InvalidKey,
    KeyBindingInvalid,
    KeyBindingMissing,
    KeyBindingStale,
    Malformed,
    MissingClaim,
    NotYetValid,
    Rejected,
    Revoked,
    SdHashMismatch,
    StatusUnrecognised,
    Suspended,
    WrongAudience,
    WrongNonce,
)

LEEWAY = 60  # accept iat/nbf up to 60 s ahead: phone and verifier clocks drift (research §3.1)
MAX_KB_AGE = 300  # a KB-JWT older than 5 min is refused (research T13)


@dataclass(frozen=True, slots=True)
class KeyBinding:
    """The verified KB-JWT claims."""

    aud: str
    nonce: str
    iat: int
    sd_hash: str


@dataclass(frozen=True, slots=True)
class VerifiedCredential:
    """A presentation that passed every check.

    ``claims`` is the processed payload: the always-visible claims plus the disclosed ones, with
    no ``_sd``, ``_sd_alg`` or array placeholders (undisclosed array elements are dropped, so
    arrays are compacted; ``disclosed`` paths count the issuer's array slots).
    """

    claims: dict[str, Any]
    disclosed: tuple[ClaimPath, ...]
    header: dict[str, Any]
    kid: str | None
    iss: str
    vct: str
    iat: int
    exp: int
    cnf: dict[str, Any] | None
    status_ref: StatusRef
    status: Status
    key_binding: KeyBinding | None


def _times(claims: dict[str, Any], *, now: int, leeway: int) -> tuple[int, int]:
    iat = numeric_date(claims.get("iat"))
    exp = numeric_date(claims.get("exp"))
    if iat is None:
        raise MissingClaim(claim="iat")
    if exp is None:
        raise MissingClaim(claim="exp")
    if now - leeway >= exp:
        raise Expired(exp=exp)
    if "nbf" in claims:
        nbf = numeric_date(claims["nbf"])
        if nbf is None:
            raise MissingClaim(claim="nbf")
        if nbf > now + leeway:
            raise NotYetValid(valid_from=nbf)
    if iat > now + leeway:
        raise NotYetValid(valid_from=iat)
    return iat, exp


def _holder_key(claims: dict[str, Any]) -> ec.EllipticCurvePublicKey:
    cnf = claims.get("cnf")
    jwk = cnf.get("jwk") if isinstance(cnf, dict) else None
    if not isinstance(jwk, dict):
        raise MissingClaim(claim="cnf")
    try:
        return key_from_jwk(jwk)
    except InvalidKey as exc:
        raise Malformed(f"cnf.jwk: {exc}") from None


def _key_binding(
    split: SplitSdJwt,
    holder: ec.EllipticCurvePublicKey,
    *,
    audience: str,
    nonce: str,
    now: int,
    leeway: int,
    max_kb_age: int,
) -> KeyBinding:
    try:
        jws = parse_jws(split.kb_jwt, what="KB-JWT")
    except Rejected as exc:
        raise KeyBindingInvalid(f"KB-JWT: {exc}") from None
    if jws.header.get("typ") != KB_TYP:
        raise KeyBindingInvalid(f"KB-JWT typ {jws.header.get('typ')!r} is not {KB_TYP!r}")
    if not _signed_by(jws, holder):
        raise KeyBindingInvalid("the KB-JWT is not signed by the key the credential binds (cnf)")
    claims = jws.payload
    if claims.get("aud") != audience:
        raise WrongAudience(f"KB-JWT aud {claims.get('aud')!r} is not this verifier")
    if claims.get("nonce") != nonce:
        raise WrongNonce("KB-JWT nonce is not the one issued for this request")
    expected = sd_hash_of(split.hashed_part)
    if claims.get("sd_hash") != expected:
        raise SdHashMismatch("KB-JWT sd_hash does not cover the presented SD-JWT")
    iat = numeric_date(claims.get("iat"))
    if iat is None:
        raise KeyBindingInvalid("KB-JWT iat is missing")
    if iat > now + leeway or iat < now - max_kb_age:
        raise KeyBindingStale(iat=iat, now=now)
    return KeyBinding(audience, nonce, iat, expected)


def _signed_by(jws: ParsedJws, key: ec.EllipticCurvePublicKey) -> bool:
    try:
        jws.verify_with(key)
    except Rejected:
        return False
    return True


def _status_ref(claims: dict[str, Any]) -> StatusRef:
    status = claims.get("status")
    ref = status.get("status_list") if isinstance(status, dict) else None
    if not isinstance(ref, dict):
        raise MissingClaim(claim="status")
    idx, uri = ref.get("idx"), ref.get("uri")
    if not (isinstance(idx, int) and not isinstance(idx, bool) and idx >= 0 and isinstance(uri, str)):
        raise MissingClaim(claim="status")
    return StatusRef(uri, idx)


def _status(value: int) -> Status:
    if value == Status.VALID:
        return Status.VALID
    if value == Status.INVALID:
        raise Revoked("the credential is revoked")
    if value == Status.SUSPENDED:
        raise Suspended("the credential is suspended")
    raise StatusUnrecognised(value=value)


def verify(
    presentation: object,
    *,
    issuer_key_lookup: KeyLookup,
    audience: str,
    nonce: str,
    now: int,
    status_check: StatusCheck,
    leeway: int = LEEWAY,
    max_kb_age: int = MAX_KB_AGE,
    require_key_binding: bool = True,
    max_bytes: int = MAX_BYTES,
) -> VerifiedCredential:
    """Verify a presented SD-JWT VC (with KB-JWT) and return what it proves.

    ``issuer_key_lookup(iss, kid)`` returns the issuer's public key or None. ``status_check(uri,
    idx)`` returns the status value from a verified, fresh list (``read_status_list``) or raises
    ``StatusUnavailable``. A KB-JWT, when present, is always checked, even if not required.

    Raises:
        Rejected: always a subclass naming the failed check (see ``wallet.errors``); nothing else,
            whatever ``presentation`` holds.
    """
    split = split_compact(presentation, max_bytes=max_bytes)
    jws, processed = open_credential(split, issuer_key_lookup)
    claims = processed.claims
    iat, exp = _times(claims, now=now, leeway=leeway)
    iss, vct = claims.get("iss"), claims.get("vct")
    if not isinstance(iss, str):
        raise MissingClaim(claim="iss")
    if not isinstance(vct, str):
        raise MissingClaim(claim="vct")
    for disclosure in processed.disclosures:
        if len(disclosure.path) == 1 and disclosure.path[0] in NEVER_DISCLOSABLE:
            raise BadDisclosure(f"claim {disclosure.path[0]!r} must not be selectively disclosable")
    key_binding = None
    cnf = claims.get("cnf") if isinstance(claims.get("cnf"), dict) else None
    if split.kb_jwt:
        key_binding = _key_binding(
            split,
            _holder_key(claims),
            audience=audience,
            nonce=nonce,
            now=now,
            leeway=leeway,
            max_kb_age=max_kb_age,
        )
    elif require_key_binding:
        raise KeyBindingMissing("key binding is required and the presentation has no KB-JWT")
    ref = _status_ref(claims)
    status = _status(status_check(ref.uri, ref.idx))
    return VerifiedCredential(
        claims=claims,
        disclosed=tuple(d.path for d in processed.disclosures),
        header=jws.header,
        kid=jws.kid,
        iss=iss,
        vct=vct,
        iat=iat,
        exp=exp,
        cnf=cnf,
        status_ref=ref,
        status=status,
        key_binding=key_binding,
    )
