"""Display masking for personal data (GB/T 35273-2020 §7.2), for logs and responses.

Formats: ID number ``3213**********1234`` (first 4 + last 4; an old 15-digit one starred whole), phone
``138****5678``, name ``张*``. :func:`redact` scrubs free text (an upstream's error message, say) of anything
that looks like a full ID number or mobile number.
"""

from __future__ import annotations

import re

__all__ = ["mask_id_number", "mask_name", "mask_phone", "redact"]

# Digit boundaries only: a letter before the number (``id321302...``, or the ``n`` of an escaped
# newline in already-encoded JSON) must not hide it. ``+86`` in front is a phone number's country code.
# People type numbers in groups: a space or a hyphen between them (``138 1234 5678``, ``138-1234-5678``,
# ``321302 19900101 1234``) hides nothing either.
_SEP = "[ -]?"
_ID_PATTERN = re.compile(rf"(?<![0-9])[0-9]{{6}}{_SEP}[0-9]{{8}}{_SEP}[0-9]{{3}}[0-9Xx](?![0-9])")
# The 15-digit ID number issued until 1999 (still on old documents): area, a YYMMDD birth date, 3 digits.
# The date's shape is required so that any other 15-digit number (an order's) is left alone.
_OLD_ID_PATTERN = re.compile(
    rf"(?<![0-9])[0-9]{{6}}{_SEP}[0-9]{{2}}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01]){_SEP}[0-9]{{3}}(?![0-9])"
)
_PHONE_PATTERN = re.compile(
    rf"(?:(?<=\+86)|(?<=\+86 )|(?<![0-9]))1[3-9][0-9]{_SEP}[0-9]{{4}}{_SEP}[0-9]{{4}}(?![0-9])"
)


def mask_id_number(value: str) -> str:
    """Keep the first 4 and last 4 characters: ``321302199001011234`` → ``3213**********1234``.

    Values too short to keep 8 characters are fully starred, so a masked value never
    reveals more than half of the original.
    """
    if len(value) < 16:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str) -> str:
    """Keep the first 3 and last 4 digits: ``13812345678`` → ``138****5678``."""
    if len(value) < 11:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_name(value: str) -> str:
    """Keep the first character: ``张三`` → ``张*``, ``欧阳娜娜`` → ``欧***``."""
    if len(value) <= 1:
        return "*" * len(value)
    return value[0] + "*" * (len(value) - 1)


def _digits(text: str) -> str:
    return text.replace(" ", "").replace("-", "")


def redact(text: str) -> str:
    """Mask every full ID number (18 digits, or the old 15) and mobile number found inside ``text``,
    also written in groups: ``138 1234 5678`` → ``138****5678``; an old ID number is starred whole."""
    text = _ID_PATTERN.sub(lambda m: mask_id_number(_digits(m.group(0))), text)
    text = _OLD_ID_PATTERN.sub(lambda m: mask_id_number(_digits(m.group(0))), text)
    return _PHONE_PATTERN.sub(lambda m: mask_phone(_digits(m.group(0))), text)
