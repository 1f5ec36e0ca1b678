"""Issuing online codes and holder credentials (server side) and signing frames (device side)."""

from __future__ import annotations

import secrets

from cryptography.hazmat.primitives.asymmetric import ec

from citizen_code import _claims, _cose
from citizen_code._base45 import b45encode
from citizen_code._claims import Status
from citizen_code._keys import DeviceKey, IssuerKey, load_public_key
from citizen_code.errors import InvalidClaims

PREFIX = "SQ1:"
ONLINE_TTL = 60
# An online code is a bearer token for its whole life: keep it short enough that a
# screenshot is stale before it can travel (5 min is already generous).
MAX_ONLINE_TTL = 300
HOLDER_TTL = 48 * 3600
MAX_HOLDER_TTL = 48 * 3600
CTI_LENGTH = 8
FRAME_NONCE_LENGTH = 4

_FRAME_PROTECTED = _cose.protected_header()


def _check_ttl(ttl: int, maximum: int, what: str) -> None:
    if not 0 < ttl <= maximum:
        raise InvalidClaims(f"{what} lifetime must be 1-{maximum} s, got {ttl}")


def issue_code(
    key: IssuerKey,
    *,
    issuer: str,
    subject: str,
    now: int,
    status: Status = Status.NORMAL,
    ttl: int = ONLINE_TTL,
    cti: bytes | None = None,
) -> str:
    """Issue a short-lived online code: ``SQ1:`` + Base45(COSE_Sign1(CWT)).

    Args:
        key: the key ring's active issuer key.
        issuer: the ``iss`` claim; verifiers compare it with their trust list's issuer.
        subject: the citizen's random code id (never an ID or phone number).
        now: issuance time, seconds since the epoch (becomes ``iat``).
        status: the citizen's standing to assert.
        ttl: seconds until ``exp``; at most 300.
        cti: the unique code id used for replay detection; 8 random bytes when omitted.

    Raises:
        InvalidClaims: a subject that looks personal, or a lifetime out of range.
    """
    _claims.check_subject(subject)
    _check_ttl(ttl, MAX_ONLINE_TTL, "online code")
    payload = _claims.online_payload(
        issuer=issuer,
        subject=subject,
        status=status,
        iat=now,
        exp=now + ttl,
        cti=secrets.token_bytes(CTI_LENGTH) if cti is None else cti,
    )
    message = _cose.sign1(key, _cose.protected_header(kid=key.kid), payload)
    return PREFIX + b45encode(message)


def issue_holder_credential(
    key: IssuerKey,
    *,
    issuer: str,
    subject: str,
    device_public_key: ec.EllipticCurvePublicKey | bytes,
    now: int,
    status: Status = Status.NORMAL,
    ttl: int = HOLDER_TTL,
) -> bytes:
    """Issue a holder credential: the issuer certifies a device key for a code id.

    The phone keeps the returned COSE_Sign1 bytes and embeds them in every frame it signs.

    Args:
        device_public_key: the phone's P-256 public key (object, PEM/DER SPKI or SEC1 point).
        ttl: seconds until ``exp``; at most 48 h, which bounds how long revocation lists
            must remember a code id.

    Raises:
        InvalidClaims: a subject that looks personal, or a lifetime out of range.
        InvalidKey: the device key is not a P-256 public key.
    """
    _claims.check_subject(subject)
    _check_ttl(ttl, MAX_HOLDER_TTL, "holder credential")
    payload = _claims.holder_payload(
        issuer=issuer,
        subject=subject,
        status=status,
        iat=now,
        exp=now + ttl,
        device_key=_cose.cose_key(load_public_key(device_public_key)),
    )
    return _cose.sign1(key, _cose.protected_header(kid=key.kid), payload)


def sign_frame(
    device_key: DeviceKey, holder_credential: bytes, *, now: int, nonce: bytes | None = None
) -> str:
    """Sign one displayed frame on the device: ``SQ1:`` + Base45(COSE_Sign1(CWT)).

    The frame's protected header has no kid: the signer is the key the embedded holder
    credential certifies, which is how verifiers tell a frame from an online code.

    Args:
        device_key: the key the holder credential certifies.
        holder_credential: the bytes ``issue_holder_credential`` returned.
        now: the device's (server-offset-corrected) time; becomes the frame's ``iat``.
        nonce: the frame's ``cti``; 4 random bytes when omitted.
    """
    payload = _claims.frame_payload(
        iat=now,
        nonce=secrets.token_bytes(FRAME_NONCE_LENGTH) if nonce is None else nonce,
        holder_credential=holder_credential,
    )
    return PREFIX + b45encode(_cose.sign1(device_key, _FRAME_PROTECTED, payload))
