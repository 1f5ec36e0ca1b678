"""Strict base64url (RFC 4648 §5, unpadded) and strict JSON: the only decoders this library uses."""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any, TypeGuard

from wallet.errors import Malformed

_B64URL = re.compile(r"[A-Za-z0-9_-]*")


def b64url_encode(data: bytes) -> str:
    """Unpadded base64url, as JOSE and SD-JWT use it."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str, *, what: str = "base64url") -> bytes:
    """Decode unpadded base64url; padding, other alphabets and stray characters are refused.

    Raises:
        Malformed: not strict unpadded base64url.
    """
    if not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise Malformed(f"{what} is not unpadded base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise Malformed(f"{what} is not unpadded base64url") from None


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        # Two readers may keep different copies of a duplicated member: refuse the ambiguity.
        raise ValueError("duplicate member name")
    return result


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def json_loads(data: bytes | str, *, what: str = "JSON") -> Any:
    """Parse JSON refusing duplicate member names, NaN/Infinity and invalid UTF-8.

    Raises:
        Malformed: anything else than one strict JSON value.
    """
    try:
        return json.loads(data, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except (ValueError, TypeError, RecursionError) as exc:
        # UnicodeDecodeError and JSONDecodeError are ValueErrors; RecursionError is deep nesting.
        raise Malformed(f"{what} is not valid JSON: {type(exc).__name__}") from None


def json_dumps(value: Any) -> bytes:
    """Compact UTF-8 JSON (no spaces); key order as given."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")


def json_object(data: bytes | str, *, what: str) -> dict[str, Any]:
    """Parse strict JSON that must be an object."""
    value = json_loads(data, what=what)
    if not isinstance(value, dict):
        raise Malformed(f"{what} is not a JSON object")
    return value


def is_int(value: object) -> TypeGuard[int]:
    """An integer that is not a bool (JSON ``true`` parses as a Python int subclass)."""
    return isinstance(value, int) and not isinstance(value, bool)


def numeric_date(value: object) -> int | None:
    """A JWT NumericDate (RFC 7519 §2) as whole seconds, or None when it is not a finite number."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value == value and abs(value) < 1e15:
        return int(value)
    return None
