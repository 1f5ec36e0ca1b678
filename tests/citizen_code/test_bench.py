"""The benchmark entry point runs and reports both rates (no speed is asserted here)."""

from __future__ import annotations

from citizen_code import bench
from tests.citizen_code.world import NOW


def test_bench_reports_offline_and_raw_rates_from_one_process() -> None:
    result = bench.run(codes=4, rounds=1, now=NOW)
    assert result.codes == 4
    assert result.offline_verifies_per_s > 0
    assert result.raw_verifies_per_s > 0
    assert result.ratio == result.offline_verifies_per_s / result.raw_verifies_per_s
