"""Exit fee math: free minutes, per started hour from the first minute, the daily cap per 24 hours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from backend.parking.tariff import Tariff, fee_fen

T = Tariff(free_minutes=15, hour_fen=300, daily_cap_fen=3000)
IN = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("parked", "fen"),
    [
        (timedelta(0), 0),
        (timedelta(minutes=15), 0),  # the free period, to its last minute
        (timedelta(minutes=15, seconds=1), 300),  # a started minute past it: the first hour is due
        (timedelta(minutes=60), 300),
        (timedelta(minutes=61), 600),
        (timedelta(hours=9, minutes=59), 3000),  # 10 started hours, capped
        (timedelta(hours=23, minutes=59), 3000),
        (timedelta(hours=24), 3000),
        (timedelta(hours=24, minutes=1), 3300),  # a second day begins: the cap again, per started hour
        (timedelta(days=2, hours=20), 2 * 3000 + 3000),
        (timedelta(days=3), 9000),
    ],
)
def test_the_fee_follows_the_tariff(parked: timedelta, fen: int) -> None:
    assert fee_fen(T, IN, IN + parked) == fen


def test_a_clock_that_runs_backwards_costs_nothing() -> None:
    assert fee_fen(T, IN, IN - timedelta(minutes=5)) == 0


def test_no_free_period_pays_from_the_first_second() -> None:
    assert (
        fee_fen(Tariff(free_minutes=0, hour_fen=500, daily_cap_fen=2000), IN, IN + timedelta(seconds=1))
        == 500
    )
