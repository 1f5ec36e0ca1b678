"""Cursors round-trip what they were given, and anything else — forged, truncated, out of range — is a
``request.cursor_invalid`` (422), never a value that would fail in the database."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend.errors import Invalid
from backend.pagination import EARLIEST, LATEST, MAX_CURSOR_LENGTH, decode_cursor, encode_cursor


def _forged(json_text: str) -> str:
    return base64.urlsafe_b64encode(json_text.encode()).decode()


def _refused(cursor: str, shape: Any) -> str:
    with pytest.raises(Invalid) as refused:
        decode_cursor(cursor, shape)
    return refused.value.code


@given(
    st.datetimes(
        min_value=EARLIEST.replace(tzinfo=None),
        max_value=LATEST.replace(tzinfo=None) - timedelta(days=1),
        timezones=st.just(UTC),
    ),
    st.uuids(),
)
def test_a_timestamp_and_uuid_cursor_round_trips(stamp: datetime, row_id: uuid.UUID) -> None:
    cursor = encode_cursor(stamp, row_id)
    assert decode_cursor(cursor, tuple[datetime, uuid.UUID]) == (stamp, row_id)
    assert "=" not in cursor  # unpadded: nothing to escape in a query string


@given(
    st.text(
        alphabet=st.characters(min_codepoint=0x20, exclude_characters="\x7f", codec="utf-8"),
        max_size=64,
    )
)
def test_a_text_cursor_round_trips(key: str) -> None:
    assert decode_cursor(encode_cursor(key), tuple[str]) == (key,)


def test_offsets_are_normalised_to_utc() -> None:
    east8 = datetime(2026, 3, 1, 8, 0, tzinfo=timezone(timedelta(hours=8)))
    row_id = uuid.uuid4()
    (stamp, _) = decode_cursor(encode_cursor(east8, row_id), tuple[datetime, uuid.UUID])
    assert stamp == datetime(2026, 3, 1, 0, 0, tzinfo=UTC)
    assert stamp.tzinfo is UTC


@pytest.mark.parametrize(
    "cursor",
    [
        "AA==",  # base64 of a NUL byte: once a 500 from the staff list
        "AA",
        "!!!!",
        "not base64 at all",
        "é",
        "x" * (MAX_CURSOR_LENGTH + 1),
        _forged("[]"),
        _forged('["a", "b"]'),
        _forged("[1]"),
        _forged('["nul \\u0000 inside"]'),
        _forged('["line\\nbreak"]'),
        _forged('"bare string"'),
    ],
)
def test_malformed_text_cursors_are_invalid(cursor: str) -> None:
    assert _refused(cursor, tuple[str]) == "request.cursor_invalid"


@pytest.mark.parametrize(
    "stamp",
    [
        "9999-12-31T23:59:59-23:59",  # overflows on conversion to UTC: once a 500 from the scanner list
        "0001-01-01T00:00:00+23:59",
        "2026-01-01T00:00:00",  # naive
        "1969-12-31T23:59:59Z",
        "2200-01-01T00:00:00Z",
        "2026-02-30T00:00:00Z",
        "yesterday",
    ],
)
def test_out_of_range_or_malformed_timestamps_are_invalid(stamp: str) -> None:
    cursor = _forged(f'["{stamp}", "{uuid.uuid4()}"]')
    assert _refused(cursor, tuple[datetime, uuid.UUID]) == "request.cursor_invalid"


def test_a_malformed_uuid_is_invalid() -> None:
    assert (
        _refused(_forged('["2026-01-01T00:00:00Z", "not-a-uuid"]'), tuple[datetime, uuid.UUID])
        == "request.cursor_invalid"
    )


def test_an_integer_beyond_bigint_is_invalid() -> None:
    assert decode_cursor(encode_cursor(2**63 - 1), tuple[int]) == (2**63 - 1,)
    assert _refused(encode_cursor(2**63), tuple[int]) == "request.cursor_invalid"
