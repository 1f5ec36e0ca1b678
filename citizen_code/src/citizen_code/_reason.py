"""The machine-readable reasons a verification can end with."""

from __future__ import annotations

from enum import StrEnum


class Reason(StrEnum):
    """Why a code passed or was denied; stable strings for logs, metrics and APIs."""

    OK = "ok"
    MALFORMED = "malformed"
    BAD_SIGNATURE = "bad_signature"
    UNKNOWN_KID = "unknown_kid"
    KEY_RETIRED = "key_retired"
    WRONG_ISSUER = "wrong_issuer"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    REPLAYED = "replayed"
    REVOKED = "revoked"
    RESTRICTED = "restricted"
