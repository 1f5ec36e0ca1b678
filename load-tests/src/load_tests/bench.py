"""``make bench``: the API in production mode against its reference apps, in one run, as ratios.

python -m load_tests.bench [--quick] [--only NAME ...] [--json PATH]

1. Makes sure wrk, PostgreSQL and Redis are there (scripts/lib.sh), creates a fresh database and a
   private Redis key prefix.
2. Starts the API (``suqian serve``: granian, 2 workers, uvloop, PostgreSQL + Redis, sandbox upstreams
   for seeding) and the two reference apps (Litestar hello; Litestar + one Redis GET), served the
   same way.
3. Seeds over HTTP, warms every target up, then per round measures each reference and, right after,
   the endpoints judged against it (wrk -t1, fixed connections, bounded time), then a login storm
   with /health/live probed beside it. Before each run it waits for the machine to be quiet; a run
   that others disturbed anyway is repeated (full mode) and flagged.
4. The in-process micro-benchmarks (``MICRO``), each against the raw cryptography it wraps, measured in
   the same process: citizen_code offline verify, the wallet's credentials, WeChat Pay notifications
   and orders.
5. Prints the table, writes JSON, exits 1 if any request errored or an endpoint could not be measured.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from load_tests import machine
from load_tests.console import log
from load_tests.cpu import CpuWindow, wait_for_quiet
from load_tests.crowd import run_crowd
from load_tests.endpoints import ENDPOINTS, LOGIN_STORM, REFERENCES, Endpoint
from load_tests.identities import SeedError, source_addresses
from load_tests.micro import library_row
from load_tests.payments_micro import payments_rows
from load_tests.results import (
    NOISY_CORES,
    Row,
    Run,
    failed_rows,
    from_json,
    missed_targets,
    render_table,
    to_json,
    total_errors,
)
from load_tests.seed import NotAvailable, Seeder
from load_tests.stack import provision
from load_tests.stack.process import ServerError
from load_tests.stack.run import REPO, ReferenceApp, Stack, ensure_tools, running_stack
from load_tests.wallet_micro import wallet_rows
from load_tests.wrk import RequestSpec, WrkError, WrkResult, finish_wrk, run_wrk, start_wrk

RESULTS = REPO / "load-tests" / "results"
# In-process rows, each measured after a quiet wait: (what the log says, rows(rounds=...)).
MICRO: tuple[tuple[str, Callable[..., list[Row]]], ...] = (
    ("citizen_code", library_row),
    ("wallet", wallet_rows),
    ("payments", payments_rows),
)


@dataclass(frozen=True, slots=True)
class Plan:
    rounds: int
    duration_s: float
    warmup_s: float
    quiet_timeout_s: float
    retries: int
    micro_rounds: int
    citizens: int


QUICK = Plan(rounds=1, duration_s=3, warmup_s=1, quiet_timeout_s=1, retries=0, micro_rounds=5, citizens=8)
FULL = Plan(rounds=3, duration_s=10, warmup_s=2, quiet_timeout_s=30, retries=2, micro_rounds=15, citizens=16)


@dataclass(slots=True)
class Subject:
    """What a run drives: a reference app or an endpoint of the API, with its table row."""

    row: Row
    base_url: str
    spec: RequestSpec
    connections: int
    endpoint: Endpoint | None = None


class Bench:
    def __init__(self, plan: Plan, stack: Stack, seeder: Seeder, workdir: Path) -> None:
        self.plan = plan
        self.stack = stack
        self.seeder = seeder
        self.workdir = workdir
        # Crowd clients' addresses, never reused within a run (per-address limits last 15 minutes);
        # 127.0.100.0 and up, clear of the seeding's addresses.
        self.crowd_sources = source_addresses(first=100 * 250)

    def reference_subject(self, reference: ReferenceApp) -> Subject:
        row = Row(reference.name, connections=64)
        return Subject(
            row, self.stack.references[reference.name].base_url, RequestSpec("GET", reference.path), 64
        )

    def endpoint_subject(self, endpoint: Endpoint) -> Subject:
        row = Row(
            endpoint.name,
            owns_cpu=endpoint is not LOGIN_STORM.probe,
            reference=endpoint.reference,
            connections=endpoint.connections,
            targets=endpoint.targets,
        )
        spec = RequestSpec(endpoint.method, endpoint.path)
        try:
            if endpoint.documented:
                self.seeder.require((endpoint.method, endpoint.path))
            if endpoint.prepare is not None:
                spec = endpoint.prepare(self.seeder)
        except NotAvailable as exc:
            row.status, row.reason = "not available", exc.reason
        except SeedError as exc:
            row.status, row.reason = "failed", f"seeding: {exc}"
        return Subject(row, self.stack.api.base_url, spec, endpoint.connections, endpoint)

    def _request_file(self, subject: Subject) -> Path:
        return self.workdir / (subject.row.name.replace(" ", "_").replace("/", "_") + ".req")

    def warm_up(self, subject: Subject) -> None:
        # Crowd endpoints (argon2 logins) need no warming, and a cut-short warm-up would leave
        # seconds of queued hashes behind it.
        if subject.row.status != "measured" or (subject.endpoint and subject.endpoint.driver == "crowd"):
            return
        try:
            self._drive(subject, self.plan.warmup_s)
        except WrkError as exc:
            subject.row.status, subject.row.reason = "failed", f"warm-up: {exc}"

    def _refresh(self, subject: Subject) -> bool:
        endpoint = subject.endpoint
        if endpoint is None or not endpoint.prepare_each_run or endpoint.prepare is None:
            return True
        try:
            subject.spec = endpoint.prepare(self.seeder)
        except (NotAvailable, SeedError) as exc:
            subject.row.status, subject.row.reason = "failed", f"seeding: {exc}"
            return False
        return True

    def _quiet(self) -> None:
        wait_for_quiet(
            server_groups=self.stack.groups,
            threshold=NOISY_CORES,
            timeout_s=self.plan.quiet_timeout_s,
            database=self.stack.provisioned.database,
        )

    def measure(self, subject: Subject, round_: int) -> None:
        if subject.row.status != "measured":
            return
        best: Run | None = None
        for attempt in range(self.plan.retries + 1):
            self._quiet()
            # After the wait: citizen codes live 60 s, and a quiet moment may take 30 s to come.
            if not self._refresh(subject):
                return
            try:
                with CpuWindow(self.stack.groups, self.stack.provisioned.database) as window:
                    result = self._drive(subject, self.plan.duration_s)
            except WrkError as exc:
                subject.row.status, subject.row.reason = "failed", str(exc)
                return
            run = Run(round_, result, window.result, retries=attempt)
            if best is None or (run.cpu and best.cpu and run.cpu.others < best.cpu.others):
                best = run
            if run.cpu is None or run.cpu.others < NOISY_CORES:
                break
            again = attempt < self.plan.retries
            log(
                f"  {subject.row.name}: others used {run.cpu.others:.2f} cores"
                + (", measuring again" if again else ", flagged")
            )
        assert best is not None
        subject.row.runs.append(best)
        log(
            f"  {subject.row.name}: {best.result.rps:,.0f} req/s, p99 {best.result.p99_ms:.1f} ms, "
            f"{best.result.errors} errors"
        )

    def measure_storm(self, load: Subject, probe: Subject, round_: int) -> None:
        if load.row.status != "measured" or probe.row.status != "measured":
            return
        self._quiet()
        try:
            with CpuWindow(self.stack.groups, self.stack.provisioned.database) as window:
                probe_process = start_wrk(
                    probe.base_url,
                    probe.spec,
                    connections=probe.connections,
                    duration_s=self.plan.duration_s,
                    request_file=self._request_file(probe),
                )
                load_result = self._drive(load, self.plan.duration_s)
                probe_result = finish_wrk(probe_process)
        except WrkError as exc:
            load.row.status, load.row.reason = "failed", str(exc)
            return
        load.row.runs.append(Run(round_, load_result, window.result))
        probe.row.runs.append(Run(round_, probe_result, window.result))
        log(
            f"  login storm: {load_result.rps:,.0f} logins/s ({load_result.errors} errors), "
            f"/health/live p99 {probe_result.p99_ms:.1f} ms"
        )

    def _drive(self, subject: Subject, duration_s: float) -> WrkResult:
        if subject.endpoint is not None and subject.endpoint.driver == "crowd":
            return run_crowd(
                subject.base_url,
                subject.spec,
                connections=subject.connections,
                duration_s=duration_s,
                sources=self.crowd_sources,
            )
        return run_wrk(
            subject.base_url,
            subject.spec,
            connections=subject.connections,
            duration_s=duration_s,
            request_file=self._request_file(subject),
        )


def run_bench(
    plan: Plan, *, only: Sequence[str], workdir: Path, workers: int = 2
) -> tuple[list[Row], dict[str, object]]:
    wanted: Callable[[str], bool] = (lambda name: name in only) if only else (lambda name: True)
    info = machine.describe(REPO)
    info["workers"] = workers
    with running_stack(workdir, REFERENCES, workers=workers) as stack:
        info["postgresql"] = stack.provisioned.postgres_version
        info["redis"] = stack.provisioned.redis_version
        seeder = Seeder(stack.api.base_url, admin_password=stack.admin_password, crowd=plan.citizens)
        try:
            bench = Bench(plan, stack, seeder, workdir)
            log("seeding")
            groups: list[tuple[Subject | None, list[Subject]]] = []
            for reference in REFERENCES:
                endpoints = [
                    bench.endpoint_subject(e)
                    for e in ENDPOINTS
                    if e.reference == reference.name and wanted(e.name)
                ]
                # With --only, a reference no selected row is judged against is not measured.
                judged = [e for e in (*ENDPOINTS, LOGIN_STORM.load) if e.reference == reference.name]
                if not only or wanted(reference.name) or any(wanted(e.name) for e in judged):
                    groups.append((bench.reference_subject(reference), endpoints))
            # Rows judged against no reference (a paced row: its rate is set by the pacing).
            unpaired = [
                bench.endpoint_subject(e) for e in ENDPOINTS if e.reference is None and wanted(e.name)
            ]
            if unpaired:
                groups.append((None, unpaired))
            storm = None
            if wanted(LOGIN_STORM.load.name) or wanted(LOGIN_STORM.probe.name):
                load, probe = (
                    bench.endpoint_subject(LOGIN_STORM.load),
                    bench.endpoint_subject(LOGIN_STORM.probe),
                )
                if load.row.status != "measured" and probe.row.status == "measured":
                    probe.row.status, probe.row.reason = "not available", f"needs {load.row.name}"
                storm = (load, probe)
            everything = [t for ref, eps in groups for t in (*((ref,) if ref else ()), *eps)] + list(
                storm or ()
            )
            for subject in everything:
                if subject.row.status != "measured":
                    log(f"  {subject.row.name}: {subject.row.status} ({subject.row.reason})")
            log("warming up")
            for subject in everything:
                bench.warm_up(subject)
            for round_ in range(plan.rounds):
                log(f"round {round_ + 1}/{plan.rounds}")
                for reference_subject, endpoint_subjects in groups:
                    for subject in (*((reference_subject,) if reference_subject else ()), *endpoint_subjects):
                        bench.measure(subject, round_)
                if storm is not None:
                    bench.measure_storm(*storm, round_)
        finally:
            seeder.close()
    rows = [t.row for t in everything]
    rows.extend(micro_rows(plan))
    return rows, info


def micro_rows(plan: Plan) -> list[Row]:
    rows: list[Row] = []
    for what, measure in MICRO:
        log(f"{what} micro-benchmark")
        wait_for_quiet(server_groups=list, threshold=NOISY_CORES, timeout_s=plan.quiet_timeout_s)
        rows.extend(measure(rounds=plan.micro_rounds))
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m load_tests.bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="1 round of 3 s per target: under a minute")
    parser.add_argument("--rounds", type=int, help="override the number of rounds")
    parser.add_argument("--duration", type=float, help="override seconds per measured run")
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="NAME",
        help="measure only these rows (and the references they are judged against)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=2,
        help="granian workers of the API and of the reference apps (2, one per core, unless measuring "
        "how a row scales: BENCHMARKS.md, 'Scaling')",
    )
    parser.add_argument("--json", type=Path, help="where to write the JSON (default load-tests/results/)")
    parser.add_argument(
        "--show", type=Path, metavar="JSON", help="print the table of an earlier run and exit"
    )
    args = parser.parse_args(argv)
    if args.show:
        shown, shown_info, description = from_json(args.show.read_bytes())
        print(f"{description}\n{machine.summary_line(shown_info)}\n\n{render_table(shown)}")
        return 0
    plan = QUICK if args.quick else FULL
    if args.rounds or args.duration:
        plan = Plan(
            **{
                **asdict(plan),
                **({"rounds": args.rounds} if args.rounds else {}),
                **({"duration_s": args.duration} if args.duration else {}),
            }
        )
    ensure_tools()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="suqian-bench-") as tmp:
        try:
            rows, info = run_bench(plan, only=args.only, workdir=Path(tmp), workers=args.workers)
        except (ServerError, provision.ProvisionError) as exc:
            print(f"bench: {exc}", file=sys.stderr)
            return 2
    mode = ("quick" if args.quick else "full") + (f", {args.workers} workers" if args.workers != 2 else "")
    print()
    print(
        f"My Suqian benchmark ({mode}: {plan.rounds} round(s) × {plan.duration_s:g} s per target, "
        f"wrk -t1; {time.monotonic() - started:.0f} s)"
    )
    print(machine.summary_line(info))
    print()
    print(render_table(rows))
    print()
    suffix = ("quick" if args.quick else "full") + (f"-{args.workers}w" if args.workers != 2 else "")
    path = args.json or RESULTS / f"bench-{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{suffix}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(to_json(rows, info=info, plan=asdict(plan), mode=mode))
    print(f"JSON: {path}")
    for row, verdict in missed_targets(rows):
        print(
            f"target missed: {row.name} {verdict.target.describe()} (got {verdict.value:.2f})"
            if verdict.value is not None
            else f"target missed: {row.name} {verdict.target.describe()}"
        )
    errors, failed = total_errors(rows), failed_rows(rows)
    for row in failed:
        print(f"FAILED: {row.name}: {row.reason}", file=sys.stderr)
    if errors:
        print(f"{errors} request(s) errored", file=sys.stderr)
    return 1 if errors or failed else 0


if __name__ == "__main__":
    sys.exit(main())
