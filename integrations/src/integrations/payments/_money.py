"""Fen and yuan, exactly: amounts are integer fen in our API and yuan strings on Alipay's wire
and in the platforms' bills."""

from __future__ import annotations

import re

__all__ = ["fen_to_yuan", "yuan_to_fen"]

_YUAN = re.compile(r"^(0|[1-9]\d{0,9})(?:\.(\d{1,2}))?$")


def fen_to_yuan(fen: int) -> str:
    """``8800`` → ``"88.00"`` (exact: no floats anywhere)."""
    if fen < 0:
        raise ValueError("amounts are not negative")
    return f"{fen // 100}.{fen % 100:02d}"


def yuan_to_fen(yuan: str) -> int:
    """``"88.00"`` / ``"88.5"`` / ``"88"`` → fen.

    Raises:
        ValueError: not a plain decimal amount with at most two decimals.
    """
    match = _YUAN.match(yuan)
    if match is None:
        raise ValueError(f"not an amount: {yuan!r}")
    return int(match.group(1)) * 100 + int((match.group(2) or "0").ljust(2, "0"))
