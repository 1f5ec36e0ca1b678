"""Where the feature meets the ``wallet`` library: a licence record in, a credential out; status
values of records; presenting and verifying for the feature's own flows."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping

import msgspec
from cryptography.hazmat.primitives.asymmetric import ec

import wallet
from backend.licence.kinds import claims_of, kind_of
from integrations.elicence import Licence

BEIJING = dt.timezone(dt.timedelta(hours=8))
# Library status → the status-list value a verifier reads (draft §7.1): an expired licence is as
# unusable as a revoked one; suspension is temporary.
STATUS_VALUES = {"valid": wallet.Status.VALID, "suspended": wallet.Status.SUSPENDED}


def status_value(status: str) -> int:
    return int(STATUS_VALUES.get(status, wallet.Status.INVALID))


def status_uri(issuer: str, status_list: int) -> str:
    return f"{issuer.rstrip('/')}/api/v1/licences/status/{status_list}"


def issue(
    licence: Licence,
    *,
    issuer_key: wallet.SigningKey,
    holder: ec.EllipticCurvePublicKey,
    iss: str,
    status_list: int,
    status_idx: int,
    now: dt.datetime,
    ttl: int,
) -> str:
    """The licence as an SD-JWT VC bound to ``holder``: valid ``ttl`` seconds, or until the licence
    itself expires (the end of its last day, Beijing time) if that is sooner."""
    iat = int(now.timestamp())
    exp = iat + ttl
    if licence.expires_on is not None:
        last = dt.datetime.combine(licence.expires_on + dt.timedelta(days=1), dt.time(), BEIJING)
        exp = max(iat + 1, min(exp, int(last.timestamp())))
    issued = wallet.issue(
        issuer_key,
        iss=iss,
        vct=kind_of(licence).vct,
        claims=claims_of(licence, today=now.astimezone(BEIJING).date()),
        holder_key=holder,
        status_uri=status_uri(iss, status_list),
        status_idx=status_idx,
        iat=iat,
        exp=exp,
    )
    return issued.compact


def present(
    credential: str,
    *,
    claims: Iterable[str],
    holder: wallet.SigningKey,
    published: Mapping[str, ec.EllipticCurvePublicKey],
    aud: str,
    nonce: str,
    now: dt.datetime,
) -> wallet.Presentation:
    return wallet.present(
        credential,
        disclose=[(claim,) for claim in claims],
        holder_key=holder,
        issuer_key_lookup=lambda _iss, kid: published.get(kid) if kid else None,
        aud=aud,
        nonce=nonce,
        iat=int(now.timestamp()),
    )


def disclosure_digests(presentation: str) -> dict[str, str]:
    """Claim name → digest of its disclosure, for a presentation of top-level claims (provenance)."""
    parts = presentation.split("~")[1:-1]
    digests: dict[str, str] = {}
    for encoded in parts:
        padded = encoded + "=" * (-len(encoded) % 4)
        decoded = msgspec.json.decode(base64.urlsafe_b64decode(padded))
        if isinstance(decoded, list) and len(decoded) == 3 and isinstance(decoded[1], str):
            digest = base64.urlsafe_b64encode(hashlib.sha256(encoded.encode("ascii")).digest())
            digests[decoded[1]] = digest.rstrip(b"=").decode("ascii")
    return digests


def credential_digest(credential: str) -> str:
    return hashlib.sha256(credential.encode("ascii")).hexdigest()


def verify(
    presentation: str,
    *,
    published: Mapping[str, ec.EllipticCurvePublicKey],
    aud: str,
    nonce: str,
    now: dt.datetime,
    status: wallet.StatusCheck,
) -> wallet.VerifiedCredential:
    """Verify a presentation of one of our credentials with our published keys.

    Raises:
        wallet.errors.WalletError: the library's typed refusal (its ``code`` says which check).
    """
    return wallet.verify(
        presentation,
        issuer_key_lookup=lambda _iss, kid: published.get(kid) if kid else None,
        audience=aud,
        nonce=nonce,
        now=int(now.timestamp()),
        status_check=status,
    )
