"""The queue's live fan-out: how long a "now serving" call takes to reach every watcher of one hall.

python -m load_tests.watchers [--watchers 10000] [--calls 10] [--json PATH]

Starts the production stack the benchmark uses (``suqian serve``: granian, 2 workers, uvloop,
PostgreSQL + Redis), seeds a hall over HTTP, opens ``--watchers`` Server-Sent Event streams on it from
this process (plain asyncio sockets, as lean a client as Python gets; it shares the 2 cores with the
server), then calls ``--calls`` numbers at a counter, one every ``--every`` seconds. Each watcher
notes when each event arrived; the delay is measured from the moment the call was sent (the same
clock). The reference, measured in the same run and the same way, is one watcher: the table reads
``p95 with N watchers`` against ``p95 with 1`` (issue 16's target: p95 ≤ 1 s at 10,000).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import cast
from urllib.parse import urlsplit

import httpx
import uvloop

from load_tests.console import log
from load_tests.cpu import CpuWindow, wait_for_quiet
from load_tests.profile import fold, render
from load_tests.results import NOISY_CORES
from load_tests.seed import API, Seeder
from load_tests.stack.run import ensure_tools, running_stack

_IDS = re.compile(rb"(?:^|\n)id: (\d+)")


class Watcher(asyncio.Protocol):
    """One SSE client as lean as Python gets (a protocol, no stream reader, under uvloop): it shares
    the 2 cores with the server, so its own cost per frame is part of every delay it measures."""

    def __init__(self, request: bytes) -> None:
        # When each event (by its id, the hall's seq) arrived.
        self.arrivals: dict[int, float] = {}
        self.transport: asyncio.Transport | None = None
        # The stream answered (its first chunk: headers and the retry line): the server holds it.
        self.open = asyncio.Event()
        self.head = b""
        self._request = request

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        self.transport.write(self._request)

    def data_received(self, data: bytes) -> None:
        if not self.open.is_set():
            self.head = data[:1500]
            self.open.set()
        if b"id: " in data:
            now = time.monotonic()
            for seq in _IDS.findall(data):
                self.arrivals.setdefault(int(seq), now)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _measure(
    base: str,
    hall: str,
    counter: str,
    operator: dict[str, str],
    watchers: int,
    calls: int,
    every: float,
    *,
    groups: Callable[[], Iterable[int]],
    sample: Callable[[float], subprocess.Popen[str]] | None = None,
) -> dict[str, float]:
    split = urlsplit(base)
    host, port = split.hostname or "127.0.0.1", split.port or 80
    path = f"{API}/queue/halls/{hall}/events"
    request = f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept: text/event-stream\r\n\r\n".encode()
    crowd = [Watcher(request) for _ in range(watchers)]
    loop = asyncio.get_running_loop()
    for start in range(0, watchers, 500):
        await asyncio.gather(
            *(loop.create_connection(lambda w=w: w, host, port) for w in crowd[start : start + 500])  # type: ignore[misc]
        )
    await asyncio.gather(*(w.open.wait() for w in crowd))
    await asyncio.sleep(2)  # past its history
    sent: dict[int, float] = {}
    # The calls start in a quiet moment (colleagues share these 2 cores), and what others used during
    # them is reported beside the figures.
    await asyncio.to_thread(wait_for_quiet, server_groups=groups, threshold=NOISY_CORES, timeout_s=60)
    recorder = sample(calls * every + 2) if sample is not None else None
    with CpuWindow(groups) as window:
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            for _ in range(calls):
                at = time.monotonic()
                answer = await client.post(f"{API}/queue/counters/{counter}/call-next", headers=operator)
                answer.raise_for_status()
                # Each call records exactly one event of the hall: its seq is the hall's newest.
                board = await client.get(f"{API}/queue/halls/{hall}/board")
                sent[int(board.json()["seq"])] = at
                await asyncio.sleep(every)
    await asyncio.sleep(10)  # stragglers
    use = window.result
    if recorder is not None:
        recorder.wait(timeout=60)
    delays = [
        w.arrivals[seq] - at if seq in w.arrivals else float("inf") for w in crowd for seq, at in sent.items()
    ]
    for w in crowd:
        if w.transport is not None:
            w.transport.close()
    missed = sum(1 for d in delays if d == float("inf"))
    heads = {w.head.split(b"\r\n", 1)[0] for w in crowd}
    log(f"first lines: {heads}; got nothing: {sum(1 for w in crowd if not w.arrivals)}")
    refused = next((w.head for w in crowd if not w.head.startswith(b"HTTP/1.1 200")), None)
    if refused is not None:
        log(f"a refusal: {refused!r}")
    if use is not None:
        log(
            f"cores used during the calls: server {use.server:.2f}, client {use.load:.2f}, "
            f"others {use.others:.2f}"
        )
    return {
        "others_cores": use.others if use is not None else 0.0,
        "watchers": watchers,
        "deliveries": len(delays),
        "missed": missed,
        "p50_s": statistics.median(delays),
        "p95_s": _percentile(delays, 0.95),
        "max_s": max(delays),
    }


def _hall(base: str, operator: dict[str, str]) -> tuple[str, str, str]:
    """A hall whose kiosk is the seeder's scanner (venue "bench gate"): its id, its service's, and
    its counter's."""
    with httpx.Client(base_url=base, timeout=30) as web:
        hall = web.post(
            f"{API}/admin/queue/halls",
            json={
                "name": "watched hall",
                "kind": "service_centre",
                "venue": "bench gate",
                "hours": [{"opens": 0, "closes": 1440}] * 7,
            },
            headers=operator,
        ).json()["hall"]
        service = web.post(
            f"{API}/admin/queue/halls/{hall['id']}/services",
            json={"name": "w", "prefix": "W"},
            headers=operator,
        ).json()
        counter = web.post(
            f"{API}/admin/queue/halls/{hall['id']}/counters",
            json={"name": "1号窗口", "services": [service["id"]]},
            headers=operator,
        ).json()
        return hall["id"], service["id"], counter["id"]


def _fill(base: str, service: str, kiosk: str, count: int) -> None:
    """``count`` paper tickets from the hall's kiosk: numbers to call."""
    with httpx.Client(base_url=base, timeout=30) as web:
        for _ in range(count):
            web.post(
                f"{API}/queue/kiosk/tickets",
                json={"service_id": service},
                headers={"Authorization": f"Bearer {kiosk}"},
            ).raise_for_status()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--watchers", type=int, default=10_000)
    parser.add_argument("--calls", type=int, default=10)
    parser.add_argument("--every", type=float, default=2.0)
    parser.add_argument("--json", type=Path)
    parser.add_argument(
        "--profile", type=Path, help="py-spy's collapsed stacks of both workers during the crowd's calls"
    )
    args = parser.parse_args()
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    ensure_tools()
    # Granian counts open connections against its backpressure (512 a worker by default: sized for
    # request traffic, README "Production"); a watcher holds one for as long as it watches, so streams
    # are served with room for them: the watchers split over the 2 workers, with headroom.
    room = {"SUQIAN_HTTP_BACKPRESSURE": str(max(512, args.watchers))}
    with tempfile.TemporaryDirectory() as workdir, running_stack(Path(workdir), (), api_env=room) as stack:
        base = stack.api.base_url
        seeder = Seeder(base, admin_password=stack.admin_password)
        operator = {"Authorization": f"Bearer {seeder.operator_token()}"}
        hall, service, counter = _hall(base, operator)
        results = []
        pid = stack.api.process.pid
        for watchers in (1, args.watchers):
            _fill(base, service, seeder.scanner_token(), args.calls + 1)
            log(f"{watchers} watchers, {args.calls} calls")
            sample = _sampler(pid, args.profile) if args.profile and watchers > 1 else None
            results.append(
                uvloop.run(
                    _measure(
                        base,
                        hall,
                        counter,
                        operator,
                        watchers,
                        args.calls,
                        args.every,
                        groups=stack.groups,
                        sample=sample,
                    )
                )
            )
        reference, crowd = results
        for row in results:
            p50, p95, worst = (row[k] * 1000 for k in ("p50_s", "p95_s", "max_s"))
            log(
                f"{row['watchers']:>6} watchers: p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  max {worst:7.1f} ms  "
                f"never arrived {row['missed']} of {row['deliveries']}"
            )
        log(
            f"p95 with {args.watchers} watchers / p95 with 1: "
            f"{crowd['p95_s'] / max(reference['p95_s'], 1e-6):.1f}x; "
            f"target p95 <= 1 s: {'met' if crowd['p95_s'] <= 1.0 else 'MISSED'} (2 granian workers, loopback)"
        )
        if args.json:
            args.json.write_text(json.dumps(results, indent=2))
    if args.profile:
        text = render(fold(args.profile.read_text().splitlines()), title=f"{args.watchers} watchers")
        args.profile.with_suffix(".txt").write_text(text + "\n")
        log(f"profile: {args.profile.with_suffix('.txt')}")


def _sampler(pid: int, raw: Path) -> Callable[[float], subprocess.Popen[str]]:
    """py-spy on the API's workers (``--subprocesses``, non-blocking) for the given seconds."""
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))

    def start(seconds: float) -> subprocess.Popen[str]:
        argv = [py_spy, "record", "--pid", str(pid), "--subprocesses", "--nonblocking", "--rate", "100"]
        argv += ["--duration", str(int(seconds) + 1), "--format", "raw", "--output", str(raw)]
        return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True)  # noqa: S603

    return start


if __name__ == "__main__":
    main()
