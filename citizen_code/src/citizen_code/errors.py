"""The one error tree of ``citizen_code``.

::

    CitizenCodeError
    ├── CodeRejected                 a code was denied; ``reason`` is its Verdict reason
    │   ├── MalformedCode            reason malformed
    │   │   ├── InvalidBase45
    │   │   ├── InvalidCbor
    │   │   └── CodeTooLarge(size=, limit=)
    │   ├── BadSignature(kid=)       reason bad_signature
    │   ├── UnknownKey(kid=)         reason unknown_kid
    │   ├── KeyRetired(kid=, retired_at=)          reason key_retired
    │   ├── KeyNotYetValid(kid=, not_before=)      reason not_yet_valid
    │   ├── WrongIssuer(issuer=, expected=)        reason wrong_issuer
    │   ├── CodeExpired(expired_at=)               reason expired
    │   ├── CodeNotYetValid(valid_from=)           reason not_yet_valid
    │   ├── CodeRevoked(code_id=, revoked_at=)     reason revoked
    │   ├── CodeRestricted(code_id=, status=)      reason restricted
    │   └── CodeReplayed(replay_key=)              reason replayed
    ├── InvalidTrustList             a trust list failed its signature or structure check
    ├── InvalidKey                   key material that is not a usable P-256 key
    └── InvalidClaims                an issuing call with arguments the format forbids

Every ``CodeRejected`` raised after the signature checked out carries the verified
``claims``; earlier ones carry ``None`` so unverified data never looks trustworthy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from citizen_code._reason import Reason

if TYPE_CHECKING:
    from citizen_code._claims import CodeClaims


class CitizenCodeError(Exception):
    """Base of every error this library raises."""


class CodeRejected(CitizenCodeError):
    """A code was denied; ``reason`` is what a Verdict reports for it."""

    reason: ClassVar[Reason] = Reason.MALFORMED
    claims: CodeClaims | None = None


class MalformedCode(CodeRejected):
    """The text is not a structurally valid ``SQ1:`` code."""

    reason = Reason.MALFORMED


class InvalidBase45(MalformedCode):
    """The text after the prefix is not strict RFC 9285 Base45."""


class InvalidCbor(MalformedCode):
    """The bytes are not the strict CBOR subset this format uses."""


class CodeTooLarge(MalformedCode):
    """The input exceeds a size limit and was refused before parsing."""

    def __init__(self, *, size: int, limit: int) -> None:
        super().__init__(f"{size} exceeds the limit of {limit}")
        self.size = size
        self.limit = limit


class BadSignature(CodeRejected):
    """A signature does not verify under the key it names."""

    reason = Reason.BAD_SIGNATURE

    def __init__(self, *, kid: bytes | None) -> None:
        named = kid.hex() if kid is not None else "the holder credential's device key"
        super().__init__(f"signature does not verify under {named}")
        self.kid = kid


class UnknownKey(CodeRejected):
    """No key with this kid is on the trust list (never known, or rotated out)."""

    reason = Reason.UNKNOWN_KID

    def __init__(self, *, kid: bytes) -> None:
        super().__init__(f"kid {kid.hex()} is not on the trust list")
        self.kid = kid


class KeyRetired(CodeRejected):
    """The issuer key was retired before this code was signed, or is past its trust window."""

    reason = Reason.KEY_RETIRED

    def __init__(self, *, kid: bytes, retired_at: int) -> None:
        super().__init__(f"kid {kid.hex()} is not valid for this code since {retired_at}")
        self.kid = kid
        self.retired_at = retired_at


class KeyNotYetValid(CodeRejected):
    """The code claims a time before its issuer key's ``not_before``."""

    reason = Reason.NOT_YET_VALID

    def __init__(self, *, kid: bytes, not_before: int) -> None:
        super().__init__(f"kid {kid.hex()} is valid only from {not_before}")
        self.kid = kid
        self.not_before = not_before


class WrongIssuer(CodeRejected):
    """The ``iss`` claim differs from the trust list's issuer."""

    reason = Reason.WRONG_ISSUER

    def __init__(self, *, issuer: str, expected: str) -> None:
        super().__init__(f"issuer {issuer!r} is not {expected!r}")
        self.issuer = issuer
        self.expected = expected


class CodeExpired(CodeRejected):
    """The code, frame or holder credential is past its validity."""

    reason = Reason.EXPIRED

    def __init__(self, *, expired_at: int) -> None:
        super().__init__(f"expired at {expired_at}")
        self.expired_at = expired_at


class CodeNotYetValid(CodeRejected):
    """The code claims a time ahead of the scanner clock beyond the tolerated skew."""

    reason = Reason.NOT_YET_VALID

    def __init__(self, *, valid_from: int) -> None:
        super().__init__(f"not valid before {valid_from}")
        self.valid_from = valid_from


class CodeRevoked(CodeRejected):
    """The code id was revoked after this code or credential was issued."""

    reason = Reason.REVOKED

    def __init__(self, *, code_id: str, revoked_at: int) -> None:
        super().__init__(f"code id {code_id} revoked at {revoked_at}")
        self.code_id = code_id
        self.revoked_at = revoked_at


class CodeRestricted(CodeRejected):
    """The code is valid but its status is one the verifier's policy denies."""

    reason = Reason.RESTRICTED

    def __init__(self, *, code_id: str, status: str) -> None:
        super().__init__(f"code id {code_id} has status {status}")
        self.code_id = code_id
        self.status = status


class CodeReplayed(CodeRejected):
    """This code or frame was already accepted once."""

    reason = Reason.REPLAYED

    def __init__(self, *, replay_key: str) -> None:
        super().__init__(f"already seen: {replay_key}")
        self.replay_key = replay_key


class InvalidTrustList(CitizenCodeError):
    """A trust list failed its anchor signature or structure check."""


class InvalidKey(CitizenCodeError):
    """Key material that is not a usable P-256 key in a supported encoding."""


class InvalidClaims(CitizenCodeError):
    """Issuing arguments the format forbids (e.g. a subject that looks like an ID number)."""
