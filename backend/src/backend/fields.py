"""Field types shared by the HTTP schemas of every feature.

Two traps these types close, both found by review: msgspec checks ``pattern`` with ``re.search``, where
``$`` also matches before a trailing newline and ``\\d`` matches any Unicode digit — so
``"13805270002\\n"`` or Arabic-Indic digits passed as a "new" phone number, dodging per-phone limits.
Patterns here use ``[0-9]`` and end with ``(?!\\n)$`` (the true end, in Python and JSON Schema alike).
And PostgreSQL refuses NUL in text, so free text rejects ``\\x00`` at the edge instead of failing as a
500 in the database.

Text a person typed and other people read (``plain_text``: names, venues, device labels) is one line of
visible characters. It refuses every control (C0 with tab, CR and LF; DEL; C1), the line and paragraph
separators, and the format characters (Unicode category Cf), among them the bidi controls: a venue or a
display name carrying ``\\r\\n`` forges lines in logs and CSV exports, and one carrying U+202E
(right-to-left override) or an isolate shows staff and scanners a different name than the one stored
(Trojan Source, CVE-2021-42574). Zero-width joiners go too: invisible, they make two names that look
alike compare unequal; no name a registry or an operator writes needs one.
"""

from __future__ import annotations

from typing import Annotated

import msgspec

_END = r"(?!\n)$"


def doc(description: str, *examples: object) -> msgspec.Meta:
    """What a field means for the OpenAPI document, and realistic examples (masked where the API
    masks): ``name: Annotated[str, doc("The holder's name, masked", "宿*迁")]``. An outer ``doc``
    over a constrained type keeps the type's constraints and replaces its description; an optional one
    is ``Annotated[T, doc(...)] | None`` (a ``doc`` over ``T | None`` drops T's constraints from the
    document, which then promises more than the API takes). Not on a field
    whose type is a struct: Litestar would write the description onto the struct's shared component
    (a struct-typed field is described by the common words of ``backend.openapi_docs``, or its name)."""
    return msgspec.Meta(description=description, examples=list(examples) if examples else None)


# Mainland mobile numbers: 1, then 3-9, then nine ASCII digits.
Phone = Annotated[
    str,
    msgspec.Meta(
        min_length=11,
        max_length=11,
        pattern=r"^1[3-9][0-9]{9}" + _END,
        description="A mainland mobile number, 11 digits",
        examples=["13805270001"],
    ),
]
SmsCode = Annotated[
    str,
    msgspec.Meta(
        min_length=6,
        max_length=6,
        pattern=r"^[0-9]{6}" + _END,
        description="The 6-digit code the SMS said (valid 5 minutes, a few attempts)",
        examples=["482913"],
    ),
]


def token_text(pattern: str, *, min_length: int = 1, max_length: int) -> msgspec.Meta:
    """A constraint for identifiers: ``pattern`` must describe the whole value (no anchors given)."""
    return msgspec.Meta(min_length=min_length, max_length=max_length, pattern=f"^{pattern}{_END}")


# Every BMP character of categories Cc, Cf, Zl and Zp (Unicode 14, Python 3.11's; a test recomputes the
# set from unicodedata): controls, bidi controls (U+061C, U+200E-U+200F, U+202A-U+202E, U+2066-U+2069),
# zero-width characters, the BOM. Written as \uXXXX, which Python's re and JSON Schema's ECMA regex read
# alike. The astral format characters (tags U+E0001-U+E007F and a few others) have no escape both
# dialects share (ECMA sees an astral character as two UTF-16 units), so they pass: invisible, but they
# neither break a line nor reorder text.
_INVISIBLE = (
    r"\x00-\x1f\x7f-\x9f\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e"
    r"\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb"
)


_PLAIN_TEXT = f"^[^{_INVISIBLE}]*{_END}"
# The pattern of ``plain_text``: free text a person typed (a test tells such fields from ids by it).
PLAIN_TEXT_PATTERN = _PLAIN_TEXT
_PLAIN_TEXT_RULE = (
    "one line of visible text: no control character, line break, bidi control or other format character"
)
# msgspec names a failed pattern by quoting it; a client is better served by the rule in words.
_EXPLAINED = {f"Expected `str` matching regex {_PLAIN_TEXT!r}": f"Expected {_PLAIN_TEXT_RULE}"}


def plain_text(*, min_length: int = 1, max_length: int) -> msgspec.Meta:
    """One line a person typed that other people read (names, venues, labels): no control, line
    separator or format character (see the module docstring)."""
    return msgspec.Meta(
        min_length=min_length, max_length=max_length, pattern=_PLAIN_TEXT, description=_PLAIN_TEXT_RULE
    )


def explain(message: str) -> str:
    """A validation message in words where it quotes a pattern of this module; others unchanged."""
    return _EXPLAINED.get(message, message)
