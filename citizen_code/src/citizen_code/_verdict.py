"""What verification hands back: a Verdict, or a ParsedCode awaiting its replay check."""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple

from citizen_code._claims import CodeClaims
from citizen_code._reason import Reason


class Decision(StrEnum):
    """Whether the gate opens."""

    PASS = "pass"  # noqa: S105 -- a gate decision, not a password
    DENY = "deny"


# Enum members read as class attributes cost ~0.1 µs each (EnumType's lookup); globals, nothing.
_PASS, _OK = Decision.PASS, Reason.OK


class Verdict(NamedTuple):
    """The outcome of verifying one code (an immutable record).

    ``claims`` is set only when the signature checked out (a pass, or a denial such as
    expired/revoked/replayed), never from unverified bytes.
    """

    decision: Decision
    reason: Reason
    claims: CodeClaims | None = None
    detail: str = ""

    @property
    def passed(self) -> bool:
        """True for a pass."""
        return self.decision is Decision.PASS


class ParsedCode(NamedTuple):
    """A code that passed every check except the replay check (an immutable record).

    The caller records ``replay_key`` in its own store until ``replay_expires_at`` (after
    which the code fails its time checks anyway) and turns the answer into a Verdict::

        first_time = await redis.set(parsed.replay_key, 1, nx=True, exat=parsed.replay_expires_at)
        verdict = parsed.accept() if first_time else parsed.replayed()
    """

    claims: CodeClaims
    replay_key: str
    replay_expires_at: int

    def accept(self) -> Verdict:
        """The pass verdict, for a code seen for the first time."""
        # tuple.__new__ with every field: the NamedTuple constructor is a Python function (~0.1 µs),
        # and every pass at a gate comes through here; so do the enum members, read once.
        return tuple.__new__(Verdict, (_PASS, _OK, self.claims, ""))

    def replayed(self) -> Verdict:
        """The deny verdict, for a code whose replay key was already recorded."""
        return Verdict(Decision.DENY, Reason.REPLAYED, self.claims, f"already seen: {self.replay_key}")
