"""The crowd generator reports like wrk: nearest-rank percentiles, errors split by kind."""

from __future__ import annotations

import pytest

from load_tests.crowd import percentile, summarise


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.50) == 50.0
    assert percentile(values, 0.99) == 99.0
    assert percentile(values, 1.0) == 100.0
    assert percentile([7.0], 0.99) == 7.0
    assert percentile([], 0.5) == 0.0


def test_summarise_counts_socket_errors_as_requests_and_reports_ms() -> None:
    result = summarise([0.2, 0.1, 0.4, 0.3], duration_s=2.0, socket_errors=1, status_errors=2)
    assert result.requests == 5
    assert result.rps == pytest.approx(2.5)
    assert result.p50_ms == pytest.approx(200.0)
    assert result.max_ms == pytest.approx(400.0)
    assert result.errors == 3
