"""Chinese licence plates (GA 36-2018): a province's abbreviation, the issuing city's letter, then
five characters — or six on a new-energy plate (8 characters in all).

- ordinary: ``苏N12345``, ``苏NA123B``; the last may be 学 (driving school) or 挂 (trailer);
- new-energy, small car: ``苏ND12345`` — D/A/B/C/E (battery electric) or F/G/H/J/K (other new energy)
  first, then a letter or digit, then four digits;
- new-energy, large vehicle: ``苏N12345D`` — five digits, then D or F.

I and O are never used (they read as 1 and 0). Plates are compared in upper case, without the
middle dot or spaces people type (``苏N·12345``).
"""

from __future__ import annotations

import re

__all__ = ["is_valid_plate", "mask_plate", "normalise_plate"]

_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_LETTER = "A-HJ-NP-Z"
_PLATE = re.compile(
    rf"^[{_PROVINCES}][{_LETTER}]"
    rf"(?:[{_LETTER}0-9]{{4}}[{_LETTER}0-9学挂]"  # ordinary, 7 characters
    rf"|[A-HJK][{_LETTER}0-9][0-9]{{4}}"  # new-energy small car, 8 characters
    rf"|[0-9]{{5}}[DF])$"  # new-energy large vehicle, 8 characters
)
_SEPARATORS = str.maketrans("", "", " ·.-\u3000")


def normalise_plate(value: str) -> str:
    """Upper case, without separators: ``苏n·12345`` → ``苏N12345`` (not validated)."""
    return value.translate(_SEPARATORS).upper()


def is_valid_plate(value: str) -> bool:
    """True for a well-formed plate, ordinary (7) or new-energy (8), after :func:`normalise_plate`."""
    return bool(_PLATE.match(normalise_plate(value)))


def mask_plate(value: str) -> str:
    """Keep the province, the city letter and the last character: ``苏N12345`` → ``苏N****5``."""
    plate = normalise_plate(value)
    if len(plate) < 4:
        return "*" * len(plate)
    return plate[:2] + "*" * (len(plate) - 3) + plate[-1]
