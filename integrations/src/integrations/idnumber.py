"""GB 11643-1999 citizen identity numbers: check digit, birth date, region.

Layout: 6-digit administrative division code (GB/T 2260), 8-digit birth date
``YYYYMMDD``, 3-digit sequence (odd = male, even = female), 1 check character computed
with ISO 7064 MOD 11-2.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from integrations.errors import InvalidIdNumber
from integrations.masking import mask_id_number

__all__ = ["IdNumber", "id_check_digit", "is_valid_id_number", "parse_id_number"]

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
# GB/T 2260 province-level codes; 71/81/82 are Taiwan, Hong Kong and Macao (residence
# permits issued since 2018 use 81/82/83, 83 for Taiwan residents).
_PROVINCES = frozenset(
    {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50}
    | {51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83}
)
_EARLIEST_BIRTH = dt.date(1900, 1, 1)


@dataclass(frozen=True, slots=True)
class IdNumber:
    """A parsed, valid identity number. ``repr`` is masked so it is safe to log."""

    value: str
    region_code: str
    birth_date: dt.date
    sex: Literal["male", "female"]

    def __repr__(self) -> str:
        return f"IdNumber({mask_id_number(self.value)!r})"


def id_check_digit(first17: str) -> str:
    """The MOD 11-2 check character for the first 17 digits (``"0"``-``"9"`` or ``"X"``)."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise InvalidIdNumber("characters")
    total = sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def parse_id_number(value: str, *, today: dt.date | None = None) -> IdNumber:
    """Validate ``value`` and split it into its parts.

    A lower-case ``x`` check character is accepted and normalised to ``X``. With ``today``
    given, birth dates after it are rejected too.

    Raises:
        InvalidIdNumber: with ``reason`` naming the first check that failed.
    """
    if len(value) != 18:
        raise InvalidIdNumber("length")
    value = value.upper()
    body, check = value[:17], value[17]
    if not (body.isascii() and body.isdigit() and (check.isdigit() or check == "X")):
        raise InvalidIdNumber("characters")
    if int(body[:2]) not in _PROVINCES:
        raise InvalidIdNumber("region")
    try:
        birth = dt.date(int(body[6:10]), int(body[10:12]), int(body[12:14]))
    except ValueError:
        raise InvalidIdNumber("birth_date") from None
    if birth < _EARLIEST_BIRTH or (today is not None and birth > today):
        raise InvalidIdNumber("birth_date")
    if id_check_digit(body) != check:
        raise InvalidIdNumber("checksum")
    return IdNumber(
        value=value,
        region_code=body[:6],
        birth_date=birth,
        sex="male" if int(body[16]) % 2 else "female",
    )


def is_valid_id_number(value: str, *, today: dt.date | None = None) -> bool:
    """``True`` when :func:`parse_id_number` would accept ``value``."""
    try:
        parse_id_number(value, today=today)
    except InvalidIdNumber:
        return False
    return True
