"""The one error tree of ``wallet``; every leaf has a stable snake_case ``code``.

::

    WalletError
    ├── Rejected                         an input (credential, presentation, token, log) was refused
    │   ├── Malformed                    malformed
    │   │   └── TooLarge(size=, limit=)  too_large
    │   ├── UnsupportedAlgorithm(alg=)   unsupported_algorithm
    │   ├── WrongType(expected=, got=)   wrong_type
    │   ├── UnknownIssuerKey(iss=, kid=) unknown_issuer_key
    │   ├── BadSignature                 bad_signature
    │   ├── BadDisclosure                bad_disclosure
    │   │   ├── WrongSlot                wrong_slot
    │   │   ├── DuplicateDigest(digest=) duplicate_digest
    │   │   └── UnreferencedDisclosure   unreferenced_disclosure
    │   ├── MissingClaim(claim=)         missing_claim
    │   ├── Expired(exp=)                expired
    │   ├── NotYetValid(valid_from=)     not_yet_valid
    │   ├── KeyBindingMissing            key_binding_missing
    │   ├── KeyBindingInvalid            key_binding_invalid
    │   │   ├── WrongAudience            wrong_audience
    │   │   ├── WrongNonce               wrong_nonce
    │   │   ├── SdHashMismatch           sd_hash_mismatch
    │   │   └── KeyBindingStale(iat=)    key_binding_stale
    │   ├── WrongSubject(expected=, got=) wrong_subject
    │   ├── Revoked                      revoked
    │   ├── Suspended                    suspended
    │   ├── StatusUnrecognised(value=)   status_unrecognised
    │   ├── StatusUnavailable            status_unavailable
    │   └── LogTampered(seq=)            log_tampered
    │       ├── LogRowAltered            log_row_altered
    │       ├── LogOutOfOrder            log_out_of_order
    │       ├── LogExtended              log_extended
    │       ├── LogTruncated             log_truncated
    │       └── LogHeadMismatch          log_head_mismatch
    ├── InvalidKey                       invalid_key
    ├── InvalidClaims                    invalid_claims      (issuing arguments the format forbids)
    └── UnknownClaimPath(path=)          unknown_claim_path  (present: no such claim in the credential)

Verification raises only ``Rejected`` subclasses, whatever the input; the backend maps ``code``
to its problem+json codes. ``InvalidKey``, ``InvalidClaims`` and ``UnknownClaimPath`` are
mistakes of the calling code, not of a presented input.
"""

from __future__ import annotations

from typing import ClassVar


class WalletError(Exception):
    """Base of every error this library raises; ``code`` is stable across releases."""

    code: ClassVar[str] = "wallet_error"


class Rejected(WalletError):
    """An input was refused by a verification step."""

    code = "rejected"


class Malformed(Rejected):
    """The input is not structurally what the format requires."""

    code = "malformed"


class TooLarge(Malformed):
    """The input exceeds the size limit and was refused before parsing."""

    code = "too_large"

    def __init__(self, *, size: int, limit: int) -> None:
        super().__init__(f"{size} bytes exceed the limit of {limit}")
        self.size = size
        self.limit = limit


class UnsupportedAlgorithm(Rejected):
    """A JWS ``alg`` or ``_sd_alg`` other than ES256 / sha-256, or a ``crit`` header."""

    code = "unsupported_algorithm"

    def __init__(self, *, alg: str) -> None:
        super().__init__(f"algorithm {alg!r} is not supported")
        self.alg = alg


class WrongType(Rejected):
    """The JOSE ``typ`` header is not the one this token kind requires."""

    code = "wrong_type"

    def __init__(self, *, expected: str, got: object) -> None:
        super().__init__(f"typ {got!r} is not {expected!r}")
        self.expected = expected
        self.got = got


class UnknownIssuerKey(Rejected):
    """The key lookup knows no key for this issuer and kid."""

    code = "unknown_issuer_key"

    def __init__(self, *, iss: str | None, kid: str | None) -> None:
        super().__init__(f"no key for issuer {iss!r}, kid {kid!r}")
        self.iss = iss
        self.kid = kid


class BadSignature(Rejected):
    """A JWS signature does not verify under the key that should have made it."""

    code = "bad_signature"


class BadDisclosure(Rejected):
    """A disclosure is not a valid RFC 9901 §4.2 disclosure, or breaks a §7.1 processing rule."""

    code = "bad_disclosure"


class WrongSlot(BadDisclosure):
    """A 3-element disclosure referenced from an array slot, or a 2-element one from ``_sd``."""

    code = "wrong_slot"


class DuplicateDigest(BadDisclosure):
    """A digest appears twice in the payload, or a disclosure was presented twice."""

    code = "duplicate_digest"

    def __init__(self, *, digest: str) -> None:
        super().__init__(f"digest {digest} appears more than once")
        self.digest = digest


class UnreferencedDisclosure(BadDisclosure):
    """A presented disclosure's digest is nowhere in the payload (tampered, or from another credential)."""

    code = "unreferenced_disclosure"


class MissingClaim(Rejected):
    """A claim the profile requires is absent or of the wrong type."""

    code = "missing_claim"

    def __init__(self, *, claim: str) -> None:
        super().__init__(f"claim {claim!r} is missing or of the wrong type")
        self.claim = claim


class Expired(Rejected):
    """The token is past its ``exp`` (beyond the leeway)."""

    code = "expired"

    def __init__(self, *, exp: int) -> None:
        super().__init__(f"expired at {exp}")
        self.exp = exp


class NotYetValid(Rejected):
    """The token's ``nbf`` or ``iat`` lies ahead of the verifier clock beyond the leeway."""

    code = "not_yet_valid"

    def __init__(self, *, valid_from: int) -> None:
        super().__init__(f"not valid before {valid_from}")
        self.valid_from = valid_from


class KeyBindingMissing(Rejected):
    """Key binding is required and the presentation ends without a KB-JWT."""

    code = "key_binding_missing"


class KeyBindingInvalid(Rejected):
    """The KB-JWT is malformed, has the wrong ``typ``, or is not signed by the ``cnf`` key."""

    code = "key_binding_invalid"


class WrongAudience(KeyBindingInvalid):
    """The KB-JWT ``aud`` is not this verifier."""

    code = "wrong_audience"


class WrongNonce(KeyBindingInvalid):
    """The KB-JWT ``nonce`` is not the one this verifier issued."""

    code = "wrong_nonce"


class SdHashMismatch(KeyBindingInvalid):
    """The KB-JWT ``sd_hash`` does not cover the presented issuer JWT and disclosures."""

    code = "sd_hash_mismatch"


class KeyBindingStale(KeyBindingInvalid):
    """The KB-JWT ``iat`` is older than the freshness window or too far in the future."""

    code = "key_binding_stale"

    def __init__(self, *, iat: int, now: int) -> None:
        super().__init__(f"KB-JWT iat {iat} is outside the window around {now}")
        self.iat = iat
        self.now = now


class WrongSubject(Rejected):
    """A status list token's ``sub`` (or a log head's ``sub``) is not the expected one."""

    code = "wrong_subject"

    def __init__(self, *, expected: str, got: object) -> None:
        super().__init__(f"sub {got!r} is not {expected!r}")
        self.expected = expected
        self.got = got


class Revoked(Rejected):
    """The status list says INVALID for this credential."""

    code = "revoked"


class Suspended(Rejected):
    """The status list says SUSPENDED for this credential."""

    code = "suspended"


class StatusUnrecognised(Rejected):
    """The status list holds a value this library does not define (e.g. 0x03): fail closed."""

    code = "status_unrecognised"

    def __init__(self, *, value: int) -> None:
        super().__init__(f"status value {value} is not one this verifier understands")
        self.value = value


class StatusUnavailable(Rejected):
    """The status cannot be determined (list unreachable, stale, or index out of range)."""

    code = "status_unavailable"


class LogTampered(Rejected):
    """A disclosure log does not match its signed head; ``seq`` is the first bad row, when known."""

    code = "log_tampered"

    def __init__(self, message: str, *, seq: int | None) -> None:
        super().__init__(message)
        self.seq = seq


class LogRowAltered(LogTampered):
    """A row's content no longer hashes to its recorded ``row_hash`` (edited)."""

    code = "log_row_altered"


class LogOutOfOrder(LogTampered):
    """A row sits at the wrong position (a row was deleted or rows were reordered)."""

    code = "log_out_of_order"


class LogExtended(LogTampered):
    """Rows follow the last row the signed head covers (appended after signing)."""

    code = "log_extended"


class LogTruncated(LogTampered):
    """Fewer rows than the signed head covers (rows removed from the end)."""

    code = "log_truncated"


class LogHeadMismatch(LogTampered):
    """The chain, recomputed, does not end in the signed head (row hashes rewritten)."""

    code = "log_head_mismatch"


class InvalidKey(WalletError):
    """Key material that is not a usable P-256 key (object, PEM or JWK)."""

    code = "invalid_key"


class InvalidClaims(WalletError):
    """Issuing arguments the format forbids (a reserved claim name, a non-JSON value, ...)."""

    code = "invalid_claims"


class UnknownClaimPath(WalletError):
    """A path asked to be presented does not name a claim of the credential."""

    code = "unknown_claim_path"

    def __init__(self, *, path: tuple[str | int, ...]) -> None:
        super().__init__(f"no claim at path {list(path)!r}")
        self.path = path
