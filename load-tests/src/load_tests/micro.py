"""The library micro-benchmark: citizen_code offline verifies/s against raw P-256 verifies/s.

Both loops run in this process, alternating, over the same signatures (``citizen_code.bench``), so
the ratio says what parsing and policy cost on top of the ECDSA verify they wrap. Target ≥ 90 %
(issue 18; 80 % before).
"""

from __future__ import annotations

from load_tests.results import Row, Target

RAW = "raw P-256 verify"
OFFLINE = "citizen_code offline verify"


def library_row(*, rounds: int) -> list[Row]:
    try:
        from citizen_code import bench
    except ImportError as exc:
        return [Row(OFFLINE, reference=RAW, status="not available", reason=f"citizen_code.bench: {exc}")]
    result = bench.run(rounds=rounds)
    return [
        Row(RAW, fixed_rate=result.raw_verifies_per_s, unit="verifies/s"),
        Row(
            OFFLINE,
            reference=RAW,
            targets=(Target("ratio", 0.90),),
            fixed_rate=result.offline_verifies_per_s,
            fixed_ratio=result.ratio,
            unit="verifies/s",
        ),
    ]
