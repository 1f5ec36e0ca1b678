from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from backend.clock import as_utc, as_utc_or_none


def test_as_utc_reads_a_naive_timestamp_as_utc() -> None:
    # SQLite's answer: stored in UTC, handed back without a zone.
    assert as_utc(datetime(2026, 11, 24, 8, 0)) == datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    assert as_utc(datetime(2026, 11, 24, 8, 0)).tzinfo is UTC


def test_as_utc_converts_an_aware_timestamp_to_utc() -> None:
    shanghai = timezone(timedelta(hours=8))
    converted = as_utc(datetime(2026, 11, 24, 16, 0, tzinfo=shanghai))
    assert (converted, converted.tzinfo) == (datetime(2026, 11, 24, 8, 0, tzinfo=UTC), UTC)


def test_as_utc_or_none_keeps_none() -> None:
    assert as_utc_or_none(None) is None
    assert as_utc_or_none(datetime(2026, 11, 24, 8, 0)) == datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
