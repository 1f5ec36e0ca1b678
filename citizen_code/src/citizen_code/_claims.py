"""CWT claims (RFC 8392) of the three signed documents: online code, holder credential, frame.

Claim maps are exact: a map with a missing or an extra claim is malformed, so a future
format change needs a new prefix (``SQ2:``) instead of being half-understood by old gates.
"""

from __future__ import annotations

import base64
import re
from enum import StrEnum
from typing import NamedTuple

from citizen_code import _cbor
from citizen_code.errors import InvalidCbor, InvalidClaims

ISS, SUB, EXP, IAT, CTI, CNF = 1, 2, 4, 6, 7, 8
CNF_COSE_KEY = 1  # RFC 8747 §3.2
# Private-use claim keys are those below -65536 (IANA CWT Claims registry).
HOLDER_CREDENTIAL = -70001
STATUS = -70002

_ONLINE_KEYS = frozenset((ISS, SUB, EXP, IAT, CTI, STATUS))
_HOLDER_KEYS = frozenset((ISS, SUB, EXP, IAT, CNF, STATUS))
_FRAME_KEYS = frozenset((IAT, CTI, HOLDER_CREDENTIAL))
# Claims are flat except cnf -> COSE_Key (depth 3 counting the outer map).
CLAIMS_MAX_DEPTH = 3

MAX_SUBJECT_LENGTH = 64
# A code id is a pseudonym. These shapes are a resident ID number (GB 11643: 17 digits and
# a check character) and a mainland mobile number; refusing them stops an accidental leak.
_PERSONAL_DATA = re.compile(r"\d{17}[\dXx]|1\d{10}")


class Status(StrEnum):
    """The citizen's standing as the issuer asserts it."""

    NORMAL = "normal"
    RESTRICTED = "restricted"


_STATUS_TO_WIRE = {Status.NORMAL: 0, Status.RESTRICTED: 1}
_STATUS_FROM_WIRE = {wire: status for status, wire in _STATUS_TO_WIRE.items()}


class Mode(StrEnum):
    """Which of the two code forms was presented."""

    ONLINE = "online"
    DEVICE = "device"


class CodeClaims(NamedTuple):
    """What a verified code says, in both modes (an immutable record).

    ``issued_at`` and ``cti`` are the code's own (the frame's for device codes);
    ``expires_at`` is the code's ``exp`` online and the holder credential's ``exp`` for a
    device frame, whose own acceptance window is the verifier's frame window around
    ``issued_at``. ``kid`` names the issuer key that vouches for the citizen.
    """

    mode: Mode
    issuer: str
    code_id: str
    status: Status
    issued_at: int
    expires_at: int
    cti: bytes
    kid: bytes
    credential_issued_at: int | None = None


def generate_code_id(entropy: bytes) -> str:
    """A code id from 10 random bytes: 16 lowercase base32 characters (80 bits).

    Example:
        >>> generate_code_id(bytes(10))
        'aaaaaaaaaaaaaaaa'
    """
    if len(entropy) != 10:
        raise InvalidClaims("a code id takes exactly 10 bytes of entropy")
    return base64.b32encode(entropy).decode("ascii").lower()


def check_subject(subject: str) -> None:
    """Refuse a subject that is empty, too long, not printable ASCII, or looks personal."""
    if not 0 < len(subject) <= MAX_SUBJECT_LENGTH or not subject.isascii():
        raise InvalidClaims(f"subject must be 1-{MAX_SUBJECT_LENGTH} ASCII characters")
    if not subject.isprintable():
        raise InvalidClaims("subject must be printable")
    if _PERSONAL_DATA.search(subject):
        raise InvalidClaims("subject looks like an ID or phone number; use a random code id")


def online_payload(*, issuer: str, subject: str, status: Status, iat: int, exp: int, cti: bytes) -> bytes:
    """The CWT payload of an online code."""
    return _cbor.encode(
        {ISS: issuer, SUB: subject, EXP: exp, IAT: iat, CTI: cti, STATUS: _STATUS_TO_WIRE[status]}
    )


def holder_payload(
    *,
    issuer: str,
    subject: str,
    status: Status,
    iat: int,
    exp: int,
    device_key: dict[int | str, _cbor.CborValue],
) -> bytes:
    """The CWT payload of a holder credential binding ``device_key`` to ``subject``."""
    return _cbor.encode(
        {
            ISS: issuer,
            SUB: subject,
            EXP: exp,
            IAT: iat,
            CNF: {CNF_COSE_KEY: device_key},
            STATUS: _STATUS_TO_WIRE[status],
        }
    )


def frame_payload(*, iat: int, nonce: bytes, holder_credential: bytes) -> bytes:
    """The CWT payload of a device frame: its time, its nonce, the embedded credential."""
    return _cbor.encode({IAT: iat, CTI: nonce, HOLDER_CREDENTIAL: holder_credential})


def _require(ok: bool, what: str) -> None:
    if not ok:
        raise InvalidCbor(what)


def decode_claims(payload: bytes) -> dict[object, object]:
    """Decode a claims map with the format's depth bound."""
    claims = _cbor.decode(payload, max_depth=CLAIMS_MAX_DEPTH)
    if type(claims) is not dict:
        raise InvalidCbor("claims must be a map")
    return claims


def is_frame(claims: dict[object, object]) -> bool:
    """Whether a claims map is a device frame (it embeds a holder credential)."""
    return HOLDER_CREDENTIAL in claims


def read_online(claims: dict[object, object]) -> tuple[str, str, int, int, bytes, Status]:
    """``(iss, sub, iat, exp, cti, status)`` of an online code's claims."""
    _require(claims.keys() == _ONLINE_KEYS, "online code claims are not exactly the expected set")
    iss, sub, iat, exp, cti = claims[ISS], claims[SUB], claims[IAT], claims[EXP], claims[CTI]
    _require(type(iss) is str and type(sub) is str, "iss and sub must be text")
    _require(type(iat) is int and type(exp) is int, "iat and exp must be integers")
    _require(type(cti) is bytes and 0 < len(cti) <= 32, "cti must be 1-32 bytes")
    return iss, sub, iat, exp, cti, _read_status(claims[STATUS])  # type: ignore[return-value]


def read_holder(claims: dict[object, object]) -> tuple[str, str, int, int, Status, object]:
    """``(iss, sub, iat, exp, status, cose_key)`` of a holder credential's claims."""
    _require(claims.keys() == _HOLDER_KEYS, "holder credential claims are not the expected set")
    iss, sub, iat, exp, cnf = claims[ISS], claims[SUB], claims[IAT], claims[EXP], claims[CNF]
    _require(type(iss) is str and type(sub) is str, "iss and sub must be text")
    _require(type(iat) is int and type(exp) is int, "iat and exp must be integers")
    _require(type(cnf) is dict and cnf.keys() == {CNF_COSE_KEY}, "cnf must hold one COSE_Key")
    return iss, sub, iat, exp, _read_status(claims[STATUS]), cnf[CNF_COSE_KEY]  # type: ignore[index,return-value]


def _read_status(value: object) -> Status:
    # Checked for type before the lookup: an array or map here (unhashable) must be "malformed",
    # not a TypeError — these claims are read before any signature is checked.
    _require(type(value) is int, "status must be an integer")
    status = _STATUS_FROM_WIRE.get(value)  # type: ignore[call-overload]
    _require(status is not None, "unknown status")
    return status  # type: ignore[no-any-return]


def read_frame(claims: dict[object, object]) -> tuple[int, bytes, bytes]:
    """``(iat, nonce, holder_credential)`` of a device frame's claims."""
    _require(claims.keys() == _FRAME_KEYS, "frame claims are not exactly the expected set")
    iat, nonce, credential = claims[IAT], claims[CTI], claims[HOLDER_CREDENTIAL]
    _require(type(iat) is int, "iat must be an integer")
    _require(type(nonce) is bytes and 0 < len(nonce) <= 16, "frame nonce must be 1-16 bytes")
    _require(type(credential) is bytes, "the holder credential must be a byte string")
    return iat, nonce, credential  # type: ignore[return-value]
