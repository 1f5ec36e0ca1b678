"""GB 32100-2015 unified social credit codes (统一社会信用代码) of organisations.

18 characters: registration authority (1), organisation type (1), administrative division
(6, GB/T 2260), organisation code (9, GB 11714 with its own check digit), check character.
The alphabet excludes I, O, Z, S and V.
"""

from __future__ import annotations

__all__ = ["credit_code_check_char", "is_valid_credit_code", "make_credit_code"]

_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def credit_code_check_char(first17: str) -> str:
    """The GB 32100 check character (MOD 31) for the first 17 characters."""
    total = sum(_ALPHABET.index(c) * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return _ALPHABET[(31 - total % 31) % 31]


def _org_check_char(first8: str) -> str:
    # GB 11714: characters weigh as digits 0-9 then A=10 ... Z=35; MOD 11, 10 → X.
    total = sum(int(c, 36) * w for c, w in zip(first8, _ORG_WEIGHTS, strict=True))
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def make_credit_code(prefix: str, region: str, org_base: str) -> str:
    """Build a valid code from ``prefix`` (2), ``region`` (6) and ``org_base`` (8)."""
    body = prefix + region + org_base + _org_check_char(org_base)
    return body + credit_code_check_char(body)


def is_valid_credit_code(value: str) -> bool:
    """Length, alphabet, the organisation-code check digit and the MOD 31 check character."""
    if len(value) != 18 or any(c not in _ALPHABET for c in value):
        return False
    if not value[2:8].isdigit() or value[16] != _org_check_char(value[8:16]):
        return False
    return value[17] == credit_code_check_char(value[:17])
