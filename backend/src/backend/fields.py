"""Field types shared by the HTTP schemas of every feature.

Two traps these types close, both found by review: msgspec checks ``pattern`` with ``re.search``, where
``$`` also matches before a trailing newline and ``\\d`` matches any Unicode digit — so
``"13805270002\\n"`` or Arabic-Indic digits passed as a "new" phone number, dodging per-phone limits.
Patterns here use ``[0-9]`` and end with ``(?!\\n)$`` (the true end, in Python and JSON Schema alike).
And PostgreSQL refuses NUL in text, so free text rejects ``\\x00`` at the edge instead of failing as a
500 in the database.
"""

from __future__ import annotations

from typing import Annotated

import msgspec

_END = r"(?!\n)$"

# Mainland mobile numbers: 1, then 3-9, then nine ASCII digits.
Phone = Annotated[
    str,
    msgspec.Meta(min_length=11, max_length=11, pattern=r"^1[3-9][0-9]{9}" + _END, examples=["13805270001"]),
]
SmsCode = Annotated[str, msgspec.Meta(min_length=6, max_length=6, pattern=r"^[0-9]{6}" + _END)]


def token_text(pattern: str, *, min_length: int = 1, max_length: int) -> msgspec.Meta:
    """A constraint for identifiers: ``pattern`` must describe the whole value (no anchors given)."""
    return msgspec.Meta(min_length=min_length, max_length=max_length, pattern=f"^{pattern}{_END}")


def plain_text(*, min_length: int = 1, max_length: int) -> msgspec.Meta:
    """Free text a person typed (names, venues): any character but NUL and other C0 controls."""
    return msgspec.Meta(
        min_length=min_length, max_length=max_length, pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f]*" + _END
    )
