"""Drive one URL with wrk for a bounded time and read back what it measured.

wrk is the load generator because it costs little CPU on a 2-core box (a Python generator would eat
the core the server needs). One thread always (``-t1``): the server gets the other core and a half.
The Lua script (``lua/bench.lua``) reports one ``WRK_REPORT {json}`` line, so nothing here scrapes
wrk's human-readable text.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import msgspec

LUA_SCRIPT = Path(__file__).parent / "lua" / "bench.lua"
_REPORT = re.compile(r"^WRK_REPORT (\{.*\})\s*$", re.MULTILINE)


class WrkError(Exception):
    """wrk could not run, or printed no report."""


@dataclass(frozen=True, slots=True)
class RequestSpec:
    """What every connection sends; several bodies are sent in turn (one per request)."""

    method: str = "GET"
    path: str = "/"
    headers: Mapping[str, str] = field(default_factory=dict)
    bodies: Sequence[str] = ()
    # The status every answer should have when it is not a 2xx (a row that measures refusals, e.g.
    # 409 sold out): then only answers of another status count as errors.
    expect_status: int | None = None
    # Paced: every connection waits this long before each request (an offered rate of about
    # connections × 1000 / pace_ms a second), for a latency at a given load rather than at saturation.
    pace_ms: int | None = None


class _Errors(msgspec.Struct, frozen=True):
    connect: int
    read: int
    write: int
    status: int
    timeout: int


class _Latency(msgspec.Struct, frozen=True):
    p50: int
    p90: int
    p99: int
    max: int
    mean: float


class _Report(msgspec.Struct, frozen=True):
    requests: int
    duration_us: int
    bytes: int
    errors: _Errors
    latency_us: _Latency
    # Answers whose status was not the expected one (-1: no status was expected).
    unexpected: int = -1


@dataclass(frozen=True, slots=True)
class WrkResult:
    """One wrk run. ``errors`` counts socket errors, timeouts and HTTP statuses >= 400 together."""

    requests: int
    duration_s: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    socket_errors: int
    status_errors: int

    @property
    def rps(self) -> float:
        return self.requests / self.duration_s if self.duration_s > 0 else 0.0

    @property
    def errors(self) -> int:
        return self.socket_errors + self.status_errors


def parse_report(stdout: str) -> WrkResult:
    """Read the ``WRK_REPORT`` line that ``bench.lua``'s ``done()`` prints."""
    match = _REPORT.search(stdout)
    if match is None:
        raise WrkError(f"wrk printed no WRK_REPORT line:\n{stdout[-2000:]}")
    report = msgspec.json.decode(match.group(1), type=_Report)
    e = report.errors
    lat = report.latency_us
    return WrkResult(
        requests=report.requests,
        duration_s=report.duration_us / 1e6,
        p50_ms=lat.p50 / 1000,
        p90_ms=lat.p90 / 1000,
        p99_ms=lat.p99 / 1000,
        max_ms=lat.max / 1000,
        socket_errors=e.connect + e.read + e.write + e.timeout,
        status_errors=e.status if report.unexpected < 0 else report.unexpected,
    )


def write_request_file(spec: RequestSpec, path: Path) -> Path:
    """Write the request file ``bench.lua`` reads (format described at the top of the script)."""
    for text in (spec.method, spec.path, *spec.headers, *spec.headers.values(), *spec.bodies):
        if "\n" in text or "\r" in text:
            raise ValueError(f"request file fields are single lines: {text[:60]!r}")
    lines = [spec.method, spec.path, *(f"{k}: {v}" for k, v in spec.headers.items()), ""]
    lines.extend(spec.bodies)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def wrk_binary() -> str:
    binary = shutil.which("wrk")
    if binary is None:
        raise WrkError("wrk is not installed (apt-get install -y wrk)")
    return binary


def run_wrk(
    base_url: str,
    spec: RequestSpec,
    *,
    connections: int,
    duration_s: float,
    request_file: Path,
    timeout_s: float = 5.0,
) -> WrkResult:
    """Run ``wrk -t1`` against ``base_url`` + ``spec.path`` and return its report."""
    process = start_wrk(
        base_url,
        spec,
        connections=connections,
        duration_s=duration_s,
        request_file=request_file,
        timeout_s=timeout_s,
    )
    return finish_wrk(process)


def start_wrk(
    base_url: str,
    spec: RequestSpec,
    *,
    connections: int,
    duration_s: float,
    request_file: Path,
    timeout_s: float = 5.0,
) -> subprocess.Popen[str]:
    """Start wrk in the background (for two loads at once); read it with ``finish_wrk``."""
    write_request_file(spec, request_file)
    command = [
        wrk_binary(),
        "-t1",
        f"-c{connections}",
        f"-d{max(1, round(duration_s))}s",
        f"--timeout={max(1, round(timeout_s))}s",
        "-s",
        str(LUA_SCRIPT),
        base_url.rstrip("/") + spec.path,
    ]
    env = {**os.environ, "WRK_REQUESTS": str(request_file)}
    if spec.expect_status is not None:
        env["WRK_EXPECT"] = str(spec.expect_status)
    if spec.pace_ms is not None:
        env["WRK_PACE_MS"] = str(spec.pace_ms)
    return subprocess.Popen(  # noqa: S603 - a fixed argv, no shell
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    )


def finish_wrk(process: subprocess.Popen[str]) -> WrkResult:
    stdout, _ = process.communicate()
    if process.returncode != 0:
        raise WrkError(f"wrk exited {process.returncode}:\n{stdout[-2000:]}")
    return parse_report(stdout)
