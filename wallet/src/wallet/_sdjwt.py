"""SD-JWT VC issuance and holder presentation (RFC 9901, SD-JWT VC draft), ES256 and sha-256 only."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from wallet._disclosure import NEVER_DISCLOSABLE, ClaimPath, Disclosure, Random, SdBuilder
from wallet._encoding import b64url_encode, is_int
from wallet._jws import ParsedJws, check_typ, parse_jws, sign_jws, verify_issuer_signature
from wallet._keys import KeyLookup, SigningKey, jwk_thumbprint, key_from_jwk, public_jwk
from wallet._process import Processed, process
from wallet.errors import InvalidClaims, InvalidKey, Malformed, TooLarge, UnknownClaimPath

TYP = "dc+sd-jwt"
KB_TYP = "kb+jwt"
DECOY_BUCKET = 4
MAX_BYTES = 32_768  # an issued credential of ~12 claims is ~2.5 KB; 32 KB leaves room for x5c


@dataclass(frozen=True, slots=True)
class IssuedCredential:
    """What ``issue`` returns: the ``compact`` SD-JWT (``jwt~d1~...~dn~``) and each disclosure's path."""

    compact: str
    disclosures: tuple[Disclosure, ...]
    payload: dict[str, Any]
    kid: str


@dataclass(frozen=True, slots=True)
class Presentation:
    """What ``present`` returns: the ``compact`` SD-JWT+KB and the claim paths it reveals."""

    compact: str
    disclosed: tuple[ClaimPath, ...]
    sd_hash: str


@dataclass(frozen=True, slots=True)
class SplitSdJwt:
    """A compact SD-JWT split at ``~``; ``kb_jwt`` is ``""`` when there is none."""

    issuer_jwt: str
    disclosures: list[str]
    kb_jwt: str

    @property
    def hashed_part(self) -> str:
        """``issuer-jwt~d1~...~dn~``: what ``sd_hash`` covers (RFC 9901 §4.3.1)."""
        return "".join(part + "~" for part in (self.issuer_jwt, *self.disclosures))


def sd_hash_of(hashed_part: str) -> str:
    """base64url sha-256 over the ASCII ``issuer-jwt~d1~...~`` text."""
    return b64url_encode(hashlib.sha256(hashed_part.encode("ascii")).digest())


def split_compact(text: object, *, max_bytes: int) -> SplitSdJwt:
    """Size-check and split a compact SD-JWT; nothing is decoded yet.

    Raises:
        TooLarge: more than ``max_bytes`` characters.
        Malformed: not an ASCII string with at least one ``~`` and no empty disclosure.
    """
    if not isinstance(text, str):
        raise Malformed("an SD-JWT is a string")
    if len(text) > max_bytes:
        raise TooLarge(size=len(text), limit=max_bytes)
    if not text.isascii():
        raise Malformed("an SD-JWT is ASCII")
    parts = text.split("~")
    if len(parts) < 2:
        raise Malformed("an SD-JWT has at least one '~'")
    disclosures = parts[1:-1]
    if any(not part for part in disclosures):
        raise Malformed("an SD-JWT has no empty disclosure")
    return SplitSdJwt(parts[0], disclosures, parts[-1])


def open_credential(split: SplitSdJwt, lookup: KeyLookup) -> tuple[ParsedJws, Processed]:
    """Issuer signature, ``typ``, then the disclosures: the common start of present and verify."""
    jws = parse_jws(split.issuer_jwt, what="issuer JWT")
    verify_issuer_signature(jws, lookup)
    check_typ(jws, TYP)
    return jws, process(jws.payload, split.disclosures)


def issue(
    issuer_key: SigningKey,
    *,
    iss: str,
    vct: str,
    claims: Mapping[str, Any],
    holder_key: ec.EllipticCurvePublicKey,
    status_uri: str,
    status_idx: int,
    iat: int,
    exp: int,
    nbf: int | None = None,
    decoys: int | None = None,
    array_elements: bool = True,
    rng: Random = secrets.token_bytes,
) -> IssuedCredential:
    """Issue an SD-JWT VC whose every claim (recursively) is selectively disclosable.

    ``iss``, ``vct``, ``iat``, ``nbf`` (default ``iat``), ``exp``, ``cnf.jwk`` (the holder key) and
    ``status.status_list`` stay in the clear. ``decoys`` extra digests hide the claim count
    (default: enough to round the root's digest count up to a multiple of 4). ``array_elements``
    makes each list element its own disclosure. ``rng`` supplies salts and decoys; inject a
    seeded source only in tests.

    Raises:
        InvalidClaims: a reserved or always-visible claim name, a non-JSON value, or bad times.
        InvalidKey: the holder key is not P-256.
    """
    if not isinstance(holder_key, ec.EllipticCurvePublicKey):
        raise InvalidKey("the holder key must be a P-256 public key")
    clash = NEVER_DISCLOSABLE.intersection(claims)
    if clash:
        raise InvalidClaims(f"claims {sorted(clash)} are set by issue() and stay visible")
    if not (is_int(status_idx) and status_idx >= 0):
        raise InvalidClaims("status_idx must be a non-negative integer")
    nbf = iat if nbf is None else nbf
    if not exp > nbf:
        raise InvalidClaims("exp must come after nbf")
    builder = SdBuilder(rng, array_elements=array_elements)
    # Default: pad the root's digests up to a multiple of 4. The count then leaks only its bucket
    # (as random 2-4 decoys would) at half their average cost, which keeps a 12-claim licence
    # and a 5-claim presentation inside research T5 (3 KB / 2.5 KB).
    count = -len(claims) % DECOY_BUCKET if decoys is None else decoys
    disclosable = builder.object(claims, (), decoys=count)
    payload: dict[str, Any] = {
        "iss": iss,
        "vct": vct,
        "iat": iat,
        "nbf": nbf,
        "exp": exp,
        "cnf": {"jwk": public_jwk(holder_key)},
        "status": {"status_list": {"idx": status_idx, "uri": status_uri}},
        **disclosable,
        "_sd_alg": "sha-256",
    }
    header = {"alg": "ES256", "typ": TYP, "kid": issuer_key.kid}
    issuer_jwt = sign_jws(issuer_key, header, payload)
    disclosures = tuple(builder.disclosures)
    compact = issuer_jwt + "~" + "".join(d.encoded + "~" for d in disclosures)
    return IssuedCredential(compact, disclosures, payload, issuer_key.kid)


def _check_path(path: object) -> ClaimPath:
    if not isinstance(path, tuple | list) or not path:
        raise UnknownClaimPath(path=tuple(path) if isinstance(path, tuple | list) else (str(path),))
    if not all(isinstance(step, str) or is_int(step) for step in path):
        raise UnknownClaimPath(path=tuple(path))
    return tuple(path)


def _resolves(claims: Any, path: ClaimPath) -> bool:
    node = claims
    for step in path:
        if isinstance(node, dict) and isinstance(step, str) and step in node:
            node = node[step]
            continue
        if not (isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node)):
            return False
        node = node[step]
    return True


def _related(a: ClaimPath, b: ClaimPath) -> bool:
    """One path is the other or an ancestor of it."""
    short = min(len(a), len(b))
    return a[:short] == b[:short]


def present(
    credential: str | IssuedCredential,
    *,
    disclose: Iterable[ClaimPath],
    holder_key: SigningKey,
    issuer_key_lookup: KeyLookup,
    aud: str,
    nonce: str,
    iat: int,
) -> Presentation:
    """Build a presentation revealing only ``disclose`` (each path with its ancestors and everything
    beneath it) and bind it to ``aud`` and ``nonce`` with a KB-JWT signed by ``holder_key``.

    The issuer signature and every disclosure are verified first: a holder never forwards a
    credential it could not itself verify.

    Raises:
        Rejected: the credential does not verify (same errors as ``verify``'s first steps).
        UnknownClaimPath: a path names no claim of the credential.
        InvalidKey: ``holder_key`` is not the key the credential's ``cnf`` binds.
    """
    text = credential.compact if isinstance(credential, IssuedCredential) else credential
    split = split_compact(text, max_bytes=MAX_BYTES)
    if split.kb_jwt:
        raise Malformed("the credential already carries a KB-JWT")
    jws, processed = open_credential(split, issuer_key_lookup)
    cnf = jws.payload.get("cnf")
    jwk = cnf.get("jwk") if isinstance(cnf, dict) else None
    if not isinstance(jwk, dict) or jwk_thumbprint(key_from_jwk(jwk)) != jwk_thumbprint(
        holder_key.public_key
    ):
        raise InvalidKey("holder_key is not the key this credential is bound to")
    paths = [_check_path(path) for path in disclose]
    for path in paths:
        if not _resolves(processed.claims, path) and not any(
            d.path[: len(path)] == path for d in processed.disclosures
        ):
            raise UnknownClaimPath(path=path)
    kept = [d for d in processed.disclosures if any(_related(d.path, path) for path in paths)]
    presented = SplitSdJwt(split.issuer_jwt, [d.encoded for d in kept], "")
    sd_hash = sd_hash_of(presented.hashed_part)
    kb_jwt = sign_jws(
        holder_key,
        {"alg": "ES256", "typ": KB_TYP},
        {"iat": iat, "aud": aud, "nonce": nonce, "sd_hash": sd_hash},
    )
    return Presentation(presented.hashed_part + kb_jwt, tuple(d.path for d in kept), sd_hash)
