"""The payments micro-benchmark: its rows are produced, paired with their references and run by the
bench. Speeds are never checked here (they belong to BENCHMARKS.md)."""

from __future__ import annotations

import pytest

from load_tests import bench
from load_tests.payments_micro import NOTIFY, ORDER, RAW_NOTIFY, RAW_ORDER, payments_rows
from load_tests.results import Row, from_json, render_table, to_json


def test_payments_rows_pair_each_path_with_its_raw_cryptography() -> None:
    rows = payments_rows(rounds=1, n=3)
    by_name = {row.name: row for row in rows}
    assert list(by_name) == [RAW_NOTIFY, NOTIFY, RAW_ORDER, ORDER]
    assert by_name[NOTIFY].reference == RAW_NOTIFY
    assert by_name[ORDER].reference == RAW_ORDER
    for row in rows:
        assert row.status == "measured", row.reason
        assert row.rate is not None
        assert row.rate > 0
    for row, reference in ((by_name[NOTIFY], by_name[RAW_NOTIFY]), (by_name[ORDER], by_name[RAW_ORDER])):
        assert row.fixed_rate is not None
        assert reference.fixed_rate is not None
        assert row.fixed_ratio == pytest.approx(row.fixed_rate / reference.fixed_rate)
    back, _, _ = from_json(to_json(rows, info={}, plan={}, mode="quick"))
    assert render_table(back) == render_table(rows)


def test_the_bench_runs_the_payments_micro_benchmark(monkeypatch: pytest.MonkeyPatch) -> None:
    assert payments_rows in [measure for _, measure in bench.MICRO]
    calls: list[int] = []

    def fake(*, rounds: int) -> list[Row]:
        calls.append(rounds)
        return [Row("fake", fixed_rate=1.0)]

    monkeypatch.setattr(bench, "MICRO", (("fake", fake),))
    monkeypatch.setattr(bench, "wait_for_quiet", lambda **_: None)
    assert [r.name for r in bench.micro_rows(bench.QUICK)] == ["fake"]
    assert calls == [bench.QUICK.micro_rounds]
