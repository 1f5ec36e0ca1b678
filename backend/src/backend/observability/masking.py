"""Personal data never reaches a log line or a response in full.

``mask_id_number`` and ``mask_phone`` are for fields we know; ``scrub`` is the safety net run over
every formatted log line, catching an ID number or a mobile number that slipped into a message.
"""

from __future__ import annotations

import re

# 18-digit resident ID (GB 11643; the last character may be X) and mainland mobile numbers.
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{4})\d{10}(\d{3}[\dXx])(?![0-9A-Za-z])")
_PHONE = re.compile(r"(?<![0-9A-Za-z])(1[3-9]\d)\d{4}(\d{4})(?![0-9A-Za-z])")


def mask_id_number(value: str) -> str:
    """``321302199001011234`` → ``3213**********1234``."""
    if len(value) < 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str) -> str:
    """``13812345678`` → ``138****5678``."""
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def scrub(text: str) -> str:
    if not any(ch.isdigit() for ch in text):
        return text
    text = _ID_NUMBER.sub(lambda m: m.group(1) + "*" * 10 + m.group(2)[-4:], text)
    return _PHONE.sub(lambda m: m.group(1) + "****" + m.group(2), text)
