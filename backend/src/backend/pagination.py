"""Opaque keyset cursors for list endpoints.

A cursor is the sort key of a page's last row — a tuple of strings, integers, datetimes and UUIDs —
as JSON in unpadded base64url. Clients hand it back untouched, but anyone can forge one, so decoding
trusts nothing: a cursor that is not base64url, not the expected tuple, or holds a value the database
would refuse (NUL and other control characters, which PostgreSQL rejects in text; a datetime that
overflows on conversion to UTC or lies outside ``EARLIEST``..``LATEST``; an integer beyond ``bigint``)
is ``CursorInvalid`` (``request.cursor_invalid``) — a 422, never a 500 from the query it would have reached.
"""

from __future__ import annotations

import base64
import binascii
import re
import uuid
from datetime import UTC, datetime
from typing import TypeVar, cast

import msgspec

from backend.errors import Invalid

T = TypeVar("T", bound=tuple[object, ...])

CursorValue = str | int | datetime | uuid.UUID

# Rows are stamped by our own clock, so their keys fall in this range; anything outside it is forged.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
# Keys are short (a username, a timestamp and a UUID); 512 characters bounds the decoding work.
MAX_CURSOR_LENGTH = 512
_BIGINT = 2**63
# C0 controls and DEL: never part of a sort key we hand out (NUL would fail in PostgreSQL).
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class CursorInvalid(Invalid):
    """A cursor this API did not hand out, or could not have: forged, truncated or out of range."""

    code = "request.cursor_invalid"
    detail = "The cursor is not one this list handed out"


def encode_cursor(*key: CursorValue) -> str:
    """The opaque cursor for a page ending at the row whose sort key is ``key``."""
    return base64.urlsafe_b64encode(msgspec.json.encode(key)).decode().rstrip("=")


def decode_cursor(cursor: str, shape: type[T]) -> T:
    """The sort key inside ``cursor``, as ``shape`` (e.g. ``tuple[datetime, uuid.UUID]``); datetimes
    come back in UTC. Raises ``CursorInvalid`` for anything this module did not hand out, or could
    not have."""
    if not cursor or len(cursor) > MAX_CURSOR_LENGTH or not cursor.isascii():
        raise CursorInvalid()
    try:
        raw = base64.b64decode(cursor + "=" * (-len(cursor) % 4), altchars=b"-_", validate=True)
        key = msgspec.json.decode(raw, type=shape)
    except (binascii.Error, msgspec.DecodeError, ValueError):
        raise CursorInvalid() from None
    return cast(T, tuple(_sane(value) for value in key))


def _sane(value: object) -> object:
    if isinstance(value, str):
        if _CONTROL.search(value):
            raise CursorInvalid()
        return value
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise CursorInvalid()
        try:
            value = value.astimezone(UTC)
        except OverflowError:
            raise CursorInvalid() from None
        if not EARLIEST <= value < LATEST:
            raise CursorInvalid()
        return value
    if isinstance(value, int) and not isinstance(value, bool) and not -_BIGINT <= value < _BIGINT:
        raise CursorInvalid()
    return value
