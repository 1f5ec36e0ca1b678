"""Ratios pair runs of the same round; targets are floors (ratios) or ceilings (p99)."""

from __future__ import annotations

import pytest

from load_tests.cpu import CpuUse
from load_tests.results import (
    Row,
    Run,
    Target,
    evaluate,
    failed_rows,
    from_json,
    missed_targets,
    paired_ratio,
    render_table,
    to_json,
    total_errors,
)
from load_tests.wrk import WrkResult


def wrk(rps: float, *, p50: float = 1.0, p99: float = 5.0, errors: int = 0) -> WrkResult:
    return WrkResult(
        requests=round(rps * 10),
        duration_s=10.0,
        p50_ms=p50,
        p90_ms=p50 * 2,
        p99_ms=p99,
        max_ms=p99 * 2,
        socket_errors=0,
        status_errors=errors,
    )


def quiet(other: float = 0.0) -> CpuUse:
    return CpuUse(server=1.3, load=0.4, support=0.0, other=other, seconds=10.0)


def test_ratio_pairs_each_run_with_the_reference_of_its_round() -> None:
    reference = Row("hello", runs=[Run(0, wrk(30_000)), Run(1, wrk(20_000)), Run(2, wrk(30_000))])
    # Round 1 was slow for both (a noisy neighbour): paired ratios are 0.5, 0.5, 0.5.
    row = Row(
        "health", reference="hello", runs=[Run(0, wrk(15_000)), Run(1, wrk(10_000)), Run(2, wrk(15_000))]
    )
    assert paired_ratio(row, reference) == pytest.approx(0.5)
    assert row.rate == 15_000


def test_ratio_ignores_rounds_the_reference_lacks() -> None:
    reference = Row("hello", runs=[Run(0, wrk(30_000))])
    row = Row("health", reference="hello", runs=[Run(0, wrk(15_000)), Run(1, wrk(1_000))])
    assert paired_ratio(row, reference) == pytest.approx(0.5)


def test_ratio_is_none_without_reference_runs() -> None:
    assert paired_ratio(Row("x", runs=[Run(0, wrk(1))]), Row("ref")) is None


def test_targets_ratio_floor_and_p99_ceiling() -> None:
    reference = Row("redis", runs=[Run(0, wrk(10_000))])
    row = Row(
        "scanner verify",
        reference="redis",
        targets=(Target("ratio", 0.60), Target("p99_ms", 30.0)),
        runs=[Run(0, wrk(5_500, p99=31.0))],
    )
    ratio, p99 = evaluate(row, reference)
    assert ratio.value == pytest.approx(0.55)
    assert ratio.met is False
    assert (p99.value, p99.met) == (31.0, False)
    assert [v.target.metric for _, v in missed_targets([reference, row])] == ["ratio", "p99_ms"]


def test_target_exactly_at_the_limit_is_met() -> None:
    assert Target("ratio", 0.35).met_by(0.35) is True
    assert Target("p99_ms", 50.0).met_by(50.0) is True


def test_unmeasured_row_neither_meets_nor_misses() -> None:
    row = Row(
        "me", reference="hello", targets=(Target("ratio", 0.3),), status="not available", reason="no route"
    )
    assert [v.met for v in evaluate(row, None)] == [None]
    assert missed_targets([row]) == []


def test_fixed_rows_carry_their_own_ratio() -> None:
    row = Row(
        "offline verify",
        reference="raw",
        targets=(Target("ratio", 0.8),),
        fixed_rate=13_000,
        fixed_ratio=0.82,
        unit="verifies/s",
    )
    assert row.measured
    assert [v.met for v in evaluate(row, None)] == [True]


def test_errors_count_only_measured_rows_and_failures_are_listed() -> None:
    ok = Row("a", runs=[Run(0, wrk(100, errors=3))])
    failed = Row("b", status="failed", reason="seeding: 500")
    assert total_errors([ok, failed]) == 3
    assert failed_rows([ok, failed]) == [failed]


def test_table_shows_ratio_verdict_and_not_available_reason() -> None:
    reference = Row("litestar hello", connections=64, runs=[Run(0, wrk(30_000), quiet())])
    health = Row(
        "health",
        reference="litestar hello",
        connections=64,
        targets=(Target("ratio", 0.35),),
        runs=[Run(0, wrk(24_000, p50=1.85, p99=7.86), quiet(other=0.5))],
    )
    missing = Row(
        "me", reference="litestar hello", status="not available", reason="GET /api/v1/me not served yet"
    )
    table = render_table([reference, health, missing])
    lines = table.splitlines()
    assert lines[0].startswith("| what")
    assert len({len(line) for line in lines}) == 1  # aligned
    health_line = next(line for line in lines if line.startswith("| health"))
    assert "24,000 req/s" in health_line
    assert "80.0%" in health_line
    assert "≥ 35%: met" in health_line
    assert "1 run(s) disturbed by others" in health_line
    assert "NOT AVAILABLE: GET /api/v1/me not served yet" in table


def test_table_flags_a_missed_target() -> None:
    reference = Row("hello", runs=[Run(0, wrk(30_000))])
    row = Row("code issue", reference="hello", targets=(Target("ratio", 0.35),), runs=[Run(0, wrk(9_000))])
    assert "≥ 35%: MISSED" in render_table([reference, row])


def test_cpu_per_request_is_server_cores_over_rate_unless_shared() -> None:
    row = Row("code issue", runs=[Run(0, wrk(4_000), quiet()), Run(1, wrk(2_000), quiet())])
    # 1.3 cores at 4,000 and 2,000 req/s: 325 and 650 µs; the median of two is their mean.
    assert row.cpu_us == pytest.approx((325 + 650) / 2)
    row.owns_cpu = False
    assert row.cpu_us is None


def test_json_round_trip_renders_the_same_table() -> None:
    reference = Row("hello", connections=64, runs=[Run(0, wrk(30_000), quiet())])
    row = Row(
        "scanner verify",
        reference="hello",
        connections=64,
        targets=(Target("p99_ms", 30.0),),
        runs=[Run(0, wrk(9_000, p99=31.0), quiet(other=0.3), retries=2)],
    )
    probe = Row("probe", connections=4, runs=[Run(0, wrk(800), quiet())], owns_cpu=False)
    micro = Row(
        "offline",
        reference="raw",
        targets=(Target("ratio", 0.8),),
        fixed_rate=13_000.0,
        fixed_ratio=0.82,
        unit="verifies/s",
    )
    missing = Row("me", reference="hello", status="not available", reason="no route")
    rows = [reference, row, probe, micro, missing]
    data = to_json(rows, info={"cpus": 2}, plan={"rounds": 1}, mode="quick")
    back, info, description = from_json(data)
    assert render_table(back) == render_table(rows)
    assert info == {"cpus": 2}
    assert description.startswith("quick run finished")
