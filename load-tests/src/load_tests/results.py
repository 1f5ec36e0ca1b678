"""What a bench run found: rows of measurements, ratios to their references, targets, the table.

Pure functions over plain data, so the unit tests cover every rule here without running a server.
Figures on these 2-core machines drift from run to run, so a row's ``ratio`` pairs each of its runs
with the reference run of the same round (measured back to back) and reports the median of those
ratios; absolute req/s is shown but never judged.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Literal

import msgspec

from load_tests.cpu import CpuUse
from load_tests.wrk import WrkResult

Metric = Literal["ratio", "p99_ms", "rate"]
Status = Literal["measured", "not available", "failed"]


@dataclass(frozen=True, slots=True)
class Target:
    """``ratio >= 0.6``, ``rate >= 2000`` or ``p99_ms <= 30``: ratios and rates are floors, latencies
    are ceilings."""

    metric: Metric
    limit: float

    def describe(self) -> str:
        if self.metric == "ratio":
            return f"≥ {self.limit:.0%}"
        if self.metric == "rate":
            return f"≥ {self.limit:,.0f}/s"
        return f"p99 ≤ {self.limit:g} ms"

    def met_by(self, value: float | None) -> bool | None:
        if value is None:
            return None
        return value >= self.limit if self.metric in ("ratio", "rate") else value <= self.limit


@dataclass(frozen=True, slots=True)
class Run:
    """One bounded measurement; ``round`` pairs it with its reference's run."""

    round: int
    result: WrkResult
    cpu: CpuUse | None = None
    retries: int = 0


@dataclass(slots=True)
class Row:
    name: str
    reference: str | None = None
    connections: int = 0
    targets: Sequence[Target] = ()
    status: Status = "measured"
    reason: str = ""
    runs: list[Run] = field(default_factory=list)
    # Rows measured elsewhere (the in-process micro-benchmark) set these directly.
    fixed_rate: float | None = None
    fixed_ratio: float | None = None
    unit: str = "req/s"
    # False when another load shared the run (the probe beside a storm): its CPU is not its own.
    owns_cpu: bool = True

    @property
    def measured(self) -> bool:
        return self.status == "measured" and (bool(self.runs) or self.fixed_rate is not None)

    @property
    def rate(self) -> float | None:
        if self.fixed_rate is not None:
            return self.fixed_rate
        return statistics.median(r.result.rps for r in self.runs) if self.runs else None

    @property
    def p50_ms(self) -> float | None:
        return statistics.median(r.result.p50_ms for r in self.runs) if self.runs else None

    @property
    def p99_ms(self) -> float | None:
        return statistics.median(r.result.p99_ms for r in self.runs) if self.runs else None

    @property
    def cpu_us(self) -> float | None:
        """Server CPU per request, in µs: steadier than req/s when the machine is shared."""
        values = [
            r.cpu.server * 1e6 / r.result.rps for r in self.runs if r.cpu is not None and r.result.rps > 0
        ]
        return statistics.median(values) if values and self.owns_cpu else None

    @property
    def errors(self) -> int:
        return sum(r.result.errors for r in self.runs)

    @property
    def disturbed_runs(self) -> int:
        return sum(1 for r in self.runs if r.cpu is not None and r.cpu.others >= NOISY_CORES)


# Others using a fifth of a core or more during a run: the figure is suspect (research/perf.md used 12 %
# with no one else on the box; here colleagues share it, so a little more is tolerated).
NOISY_CORES = 0.2


def paired_ratio(row: Row, reference: Row | None) -> float | None:
    """Median over rounds of row.rps / reference.rps in the same round."""
    if row.fixed_ratio is not None:
        return row.fixed_ratio
    if reference is None or not row.runs or not reference.runs:
        return None
    by_round = {r.round: r.result.rps for r in reference.runs if r.result.rps > 0}
    ratios = [r.result.rps / by_round[r.round] for r in row.runs if r.round in by_round]
    return statistics.median(ratios) if ratios else None


@dataclass(frozen=True, slots=True)
class Verdict:
    target: Target
    value: float | None
    met: bool | None


def evaluate(row: Row, reference: Row | None) -> list[Verdict]:
    ratio = paired_ratio(row, reference)
    verdicts = []
    for target in row.targets:
        value = ratio if target.metric == "ratio" else row.rate if target.metric == "rate" else row.p99_ms
        verdicts.append(Verdict(target, value, target.met_by(value) if row.measured else None))
    return verdicts


def _fmt(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def _ratio_text(ratio: float | None) -> str:
    if ratio is None:
        return ""
    return f"{ratio:.2%}" if ratio < 0.1 else f"{ratio:.1%}"


def _verdict_text(verdicts: Sequence[Verdict]) -> str:
    parts = []
    for v in verdicts:
        mark = {True: "met", False: "MISSED", None: "–"}[v.met]
        parts.append(f"{v.target.describe()}: {mark}")
    return "; ".join(parts)


def render_table(rows: Sequence[Row]) -> str:
    """A GitHub-markdown table, aligned so it also reads well in a terminal."""
    by_name = {row.name: row for row in rows}
    header = ["what", "conns", "rate", "p50 ms", "p99 ms", "errors", "cpu µs/req", "vs", "ratio", "targets"]
    lines: list[list[str]] = []
    for row in rows:
        reference = by_name.get(row.reference) if row.reference else None
        if not row.measured:
            lines.append(
                [
                    row.name,
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    row.reference or "",
                    "",
                    f"{row.status.upper()}: {row.reason}",
                ]
            )
            continue
        ratio = paired_ratio(row, reference)
        rate = row.rate
        note = _verdict_text(evaluate(row, reference))
        if row.disturbed_runs:
            note = (note + "; " if note else "") + f"{row.disturbed_runs} run(s) disturbed by others"
        lines.append(
            [
                row.name,
                str(row.connections) if row.connections else "",
                f"{rate:,.0f} {row.unit}" if rate is not None else "–",
                _fmt(row.p50_ms),
                _fmt(row.p99_ms),
                str(row.errors) if row.runs else "",
                _fmt(row.cpu_us, 0) if row.cpu_us is not None else "",
                row.reference or "",
                _ratio_text(ratio),
                note,
            ]
        )
    widths = [
        max(len(header[i]), *(len(line[i]) for line in lines)) if lines else len(header[i])
        for i in range(len(header))
    ]
    numeric = {1, 2, 3, 4, 5, 6, 8}

    def cells(values: Sequence[str]) -> str:
        padded = [
            v.rjust(w) if i in numeric else v.ljust(w)
            for i, (v, w) in enumerate(zip(values, widths, strict=True))
        ]
        return "| " + " | ".join(padded) + " |"

    rule = (
        "|"
        + "|".join(("-" * (w + 1) + ":") if i in numeric else ("-" * (w + 2)) for i, w in enumerate(widths))
        + "|"
    )
    return "\n".join([cells(header), rule, *(cells(line) for line in lines)])


def total_errors(rows: Sequence[Row]) -> int:
    return sum(row.errors for row in rows if row.status == "measured")


def failed_rows(rows: Sequence[Row]) -> list[Row]:
    return [row for row in rows if row.status == "failed"]


def missed_targets(rows: Sequence[Row]) -> list[tuple[Row, Verdict]]:
    by_name = {row.name: row for row in rows}
    out: list[tuple[Row, Verdict]] = []
    for row in rows:
        reference = by_name.get(row.reference) if row.reference else None
        out.extend((row, v) for v in evaluate(row, reference) if v.met is False)
    return out


def to_json(rows: Sequence[Row], *, info: dict[str, object], plan: dict[str, object], mode: str) -> bytes:
    """Everything the table shows, plus every run and its CPU split, for later comparison."""
    by_name = {row.name: row for row in rows}
    out_rows = []
    for row in rows:
        reference = by_name.get(row.reference) if row.reference else None
        out_rows.append(
            {
                "name": row.name,
                "reference": row.reference,
                "connections": row.connections,
                "status": row.status,
                "reason": row.reason,
                "unit": row.unit,
                "rate": row.rate,
                "p50_ms": row.p50_ms,
                "p99_ms": row.p99_ms,
                "errors": row.errors,
                "cpu_us_per_request": row.cpu_us,
                "ratio": paired_ratio(row, reference),
                "targets": [
                    {
                        "target": v.target.describe(),
                        "metric": v.target.metric,
                        "limit": v.target.limit,
                        "value": v.value,
                        "met": v.met,
                    }
                    for v in evaluate(row, reference)
                ],
                "runs": [
                    {
                        "round": r.round,
                        "retries": r.retries,
                        **asdict(r.result),
                        "rps": r.result.rps,
                        "cpu": asdict(r.cpu) if r.cpu else None,
                    }
                    for r in row.runs
                ],
            }
        )
    document = {
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "mode": mode,
        "plan": plan,
        "machine": info,
        "rows": out_rows,
        "errors": total_errors(rows),
    }
    return msgspec.json.format(msgspec.json.encode(document), indent=2)


class _RunDoc(msgspec.Struct):
    round: int
    retries: int
    requests: int
    duration_s: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    socket_errors: int
    status_errors: int
    cpu: CpuUse | None = None


class _TargetDoc(msgspec.Struct):
    metric: Metric
    limit: float


class _RowDoc(msgspec.Struct):
    name: str
    reference: str | None
    connections: int
    status: Status
    reason: str
    unit: str
    rate: float | None
    ratio: float | None
    targets: list[_TargetDoc]
    runs: list[_RunDoc]
    # Absent from documents written before the column existed: then every row owned its CPU.
    cpu_us_per_request: float | msgspec.UnsetType | None = msgspec.UNSET


class _Document(msgspec.Struct):
    rows: list[_RowDoc]
    machine: dict[str, object]
    mode: str
    finished_at: str


def from_json(data: bytes) -> tuple[list[Row], dict[str, object], str]:
    """Rows, machine and a one-line description back from ``to_json``'s output (to re-render a table)."""
    document = msgspec.json.decode(data, type=_Document)
    rows = []
    for doc in document.rows:
        runs = [
            Run(
                r.round,
                WrkResult(
                    requests=r.requests,
                    duration_s=r.duration_s,
                    p50_ms=r.p50_ms,
                    p90_ms=r.p90_ms,
                    p99_ms=r.p99_ms,
                    max_ms=r.max_ms,
                    socket_errors=r.socket_errors,
                    status_errors=r.status_errors,
                ),
                r.cpu,
                r.retries,
            )
            for r in doc.runs
        ]
        rows.append(
            Row(
                doc.name,
                reference=doc.reference,
                connections=doc.connections,
                targets=tuple(Target(t.metric, t.limit) for t in doc.targets),
                status=doc.status,
                reason=doc.reason,
                runs=runs,
                fixed_rate=None if runs else doc.rate,
                fixed_ratio=None if runs else doc.ratio,
                unit=doc.unit,
                owns_cpu=doc.cpu_us_per_request is not None,
            )
        )
    return rows, document.machine, f"{document.mode} run finished {document.finished_at}"
