"""Where the time goes in one endpoint under load: py-spy samples the API's workers while wrk drives it.

python -m load_tests.profile "scanner verify" [--seconds 15] [--connections 64]

The stack is the bench's (production mode, 2 workers, seeded the same way). py-spy attaches to the
granian parent with ``--subprocesses`` and records collapsed stacks (non-blocking, so the workers are
never paused); this module folds them into the functions that hold the most samples, by self time
and inclusive time, and writes both the raw stacks (for speedscope or flamegraph.pl) and the summary
under load-tests/results/.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from load_tests.console import log
from load_tests.endpoints import ENDPOINTS, LOGIN_STORM, REFERENCES, Endpoint
from load_tests.identities import SeedError
from load_tests.seed import NotAvailable, Seeder
from load_tests.stack.run import REPO, ensure_tools, running_stack
from load_tests.wrk import RequestSpec, run_wrk

RESULTS = REPO / "load-tests" / "results"
_SPAWN = re.compile(r"^MPServer\._spawn_\w+_worker ")
GRANIAN_RUNTIME = "[granian runtime: Rust HTTP and I/O, no Python frame]"
_FRAME = re.compile(r"^(?P<function>.*?) \((?P<file>[^()]*?)(?::\d+)?\)$")


@dataclass(frozen=True, slots=True)
class Profile:
    samples: int
    roots: list[tuple[str, int]]
    self_time: list[tuple[str, int]]
    inclusive: list[tuple[str, int]]


def _short(frame: str) -> str:
    """``verify (/x/site-packages/citizen_code/_verify.py:140)`` → ``verify (citizen_code/_verify.py)``."""
    match = _FRAME.match(frame)
    if match is None:
        return frame
    path = match.group("file")
    for marker in ("site-packages/", "/src/", "/lib/python3"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{match.group('function')} ({path})"


def fold(lines: Iterable[str], *, top: int = 30) -> Profile:
    """Fold py-spy's raw (collapsed) stacks: ``frame;frame;...;leaf count`` per line."""
    roots: Counter[str] = Counter()
    self_time: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    samples = 0
    for line in lines:
        stack, _, count_text = line.rstrip().rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        # py-spy starts with "process N:..." and "thread (0x..)" pseudo-frames; they say nothing here
        frames = [_short(f) for f in stack.split(";") if not f.startswith(("process ", "thread "))]
        if not frames:
            continue
        # A worker's main thread sits in granian's spawn function while Rust serves HTTP; the
        # launcher frames above it are in every such sample and would top the inclusive list.
        spawn = next((i for i, f in enumerate(frames) if _SPAWN.search(f)), None)
        if spawn is not None:
            frames = frames[spawn + 1 :] or [GRANIAN_RUNTIME]
        samples += count
        roots[frames[0]] += count
        self_time[frames[-1]] += count
        for frame in set(frames):
            inclusive[frame] += count
    return Profile(samples, roots.most_common(8), self_time.most_common(top), inclusive.most_common(top))


def render(profile: Profile, *, title: str) -> str:
    def table(rows: Sequence[tuple[str, int]]) -> list[str]:
        return [f"  {count / max(profile.samples, 1):6.1%}  {name}" for name, count in rows]

    return "\n".join(
        [
            f"{title}: {profile.samples} samples",
            "",
            "entry points (request handling, background tasks, the server runtime):",
            *table(profile.roots),
            "",
            "self time (where the CPU is):",
            *table(profile.self_time),
            "",
            "inclusive time (what calls it):",
            *table(profile.inclusive),
        ]
    )


def _endpoint(name: str) -> Endpoint:
    for endpoint in (*ENDPOINTS, LOGIN_STORM.load, LOGIN_STORM.probe):
        if endpoint.name == name:
            return endpoint
    names = ", ".join(e.name for e in (*ENDPOINTS, LOGIN_STORM.load))
    raise SystemExit(f"unknown endpoint {name!r}; one of: {names}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m load_tests.profile")
    parser.add_argument("endpoint", help='a row name of the bench table, e.g. "scanner verify"')
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int)
    parser.add_argument("--rate", type=int, default=100, help="py-spy samples per second per worker")
    args = parser.parse_args(argv)
    endpoint = _endpoint(args.endpoint)
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    ensure_tools()
    stamp = f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}"
    slug = endpoint.name.replace(" ", "-").replace("(", "").replace(")", "")
    RESULTS.mkdir(parents=True, exist_ok=True)
    raw_path = RESULTS / f"profile-{slug}-{stamp}.collapsed"
    with (
        tempfile.TemporaryDirectory(prefix="suqian-profile-") as tmp,
        running_stack(Path(tmp), REFERENCES) as stack,
    ):
        seeder = Seeder(stack.api.base_url, admin_password=stack.admin_password)
        try:
            seeder.require((endpoint.method, endpoint.path))
            spec = (
                endpoint.prepare(seeder) if endpoint.prepare else RequestSpec(endpoint.method, endpoint.path)
            )
        except (NotAvailable, SeedError) as exc:
            print(f"profile: {endpoint.name} cannot be driven: {exc}", file=sys.stderr)
            return 2
        finally:
            seeder.close()
        connections = args.connections or endpoint.connections
        request_file = Path(tmp) / "profile.req"
        log(f"warming up {endpoint.name}")
        run_wrk(stack.api.base_url, spec, connections=connections, duration_s=3, request_file=request_file)
        log(f"profiling {endpoint.name} for {args.seconds} s at {connections} connections")
        recorder = subprocess.Popen(  # noqa: S603 - fixed argv
            [
                py_spy,
                "record",
                "--pid",
                str(stack.api.process.pid),
                "--subprocesses",
                "--nonblocking",
                "--rate",
                str(args.rate),
                "--duration",
                str(args.seconds + 1),
                "--format",
                "raw",
                "--output",
                str(raw_path),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        result = run_wrk(
            stack.api.base_url,
            spec,
            connections=connections,
            duration_s=args.seconds,
            request_file=request_file,
        )
        _, stderr = recorder.communicate(timeout=60)
        if recorder.returncode != 0 or not raw_path.exists():
            print(f"py-spy failed ({recorder.returncode}): {stderr[-1000:]}", file=sys.stderr)
            return 2
    profile = fold(raw_path.read_text().splitlines())
    title = (
        f"{endpoint.name} ({endpoint.method} {endpoint.path}) at {connections} connections: "
        f"{result.rps:,.0f} req/s, p99 {result.p99_ms:.1f} ms, {result.errors} errors while sampled"
    )
    text = render(profile, title=title)
    summary_path = raw_path.with_suffix(".txt")
    summary_path.write_text(text + "\n")
    print(text)
    print(f"\nstacks: {raw_path}\nsummary: {summary_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
