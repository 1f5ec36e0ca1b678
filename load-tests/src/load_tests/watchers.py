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
import statistics
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from load_tests.console import log
from load_tests.seed import API, Seeder
from load_tests.stack.run import ensure_tools, running_stack

_IDS = re.compile(rb"(?:^|\n)id: (\d+)")


class Watcher:
    def __init__(self) -> None:
        # When each event (by its id, the hall's seq) arrived.
        self.arrivals: dict[int, float] = {}
        self.writer: asyncio.StreamWriter | None = None
        # The stream answered (its first chunk: headers and the retry line): the server holds it.
        self.open = asyncio.Event()
        self.ended = False
        self.head = b""


async def _watch(host: str, port: int, path: str, watcher: Watcher, ready: asyncio.Event) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    watcher.writer = writer
    writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept: text/event-stream\r\n\r\n".encode())
    await writer.drain()
    ready.set()
    while chunk := await reader.read(65536):
        if not watcher.open.is_set():
            watcher.head = chunk[:300]
        watcher.open.set()
        if b"id: " in chunk:
            now = time.monotonic()
            for seq in _IDS.findall(chunk):
                watcher.arrivals.setdefault(int(seq), now)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _measure(
    base: str, hall: str, counter: str, operator: dict[str, str], watchers: int, calls: int, every: float
) -> dict[str, float]:
    split = urlsplit(base)
    host, port = split.hostname or "127.0.0.1", split.port or 80
    path = f"{API}/queue/halls/{hall}/events"
    crowd = [Watcher() for _ in range(watchers)]
    tasks = []
    for start in range(0, watchers, 500):
        batch = [asyncio.Event() for _ in crowd[start : start + 500]]
        tasks += [
            asyncio.create_task(_watch(host, port, path, w, e))
            for w, e in zip(crowd[start : start + 500], batch, strict=True)
        ]
        await asyncio.gather(*(e.wait() for e in batch))
    await asyncio.gather(*(w.open.wait() for w in crowd))
    await asyncio.sleep(2)  # past its history
    sent: dict[int, float] = {}
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
    delays = [
        w.arrivals[seq] - at if seq in w.arrivals else float("inf") for w in crowd for seq, at in sent.items()
    ]
    for task in tasks:
        task.cancel()
    for w in crowd:
        if w.writer is not None:
            w.writer.close()
    missed = sum(1 for d in delays if d == float("inf"))
    heads = {w.head.split(b"\r\n", 1)[0] for w in crowd}
    log(f"first lines: {heads}; got nothing: {sum(1 for w in crowd if not w.arrivals)}")
    return {
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
        for watchers in (1, args.watchers):
            _fill(base, service, seeder.scanner_token(), args.calls + 1)
            log(f"{watchers} watchers, {args.calls} calls")
            results.append(
                asyncio.run(_measure(base, hall, counter, operator, watchers, args.calls, args.every))
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


if __name__ == "__main__":
    main()
