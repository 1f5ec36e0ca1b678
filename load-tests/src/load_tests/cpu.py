"""Who used the two cores during a run: the server, the load generator, PostgreSQL/Redis, or others.

These machines are shared; another tenant's job on one core halves a result (research/perf.md
"Noise control"). Every measurement records the CPU the rest of the machine used while it ran
(``other``, in cores), the bench waits for a quiet moment before each run, and a run that was
disturbed anyway is repeated or flagged. Read from /proc, so Linux only.
"""

from __future__ import annotations

import os
import re
import resource
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

_PROC = Path("/proc")
_TICKS = os.sysconf("SC_CLK_TCK")
# PostgreSQL and Redis do work for the bench too, so they are reported on their own line. A PostgreSQL
# backend serving another database (a colleague's test run, another bench) is "other": unseen, such
# a run once starved the bench's own backends of CPU and halved a write row without being flagged.
SUPPORT_NAMES = frozenset({"postgres", "redis-server"})
# A client backend's title: "postgres: [cluster: ]<user> <database> <host>(<port>)|[local] <activity>".
_BACKEND_TITLE = re.compile(r" (\S+) (?:\S+\(\d+\)|\[local\]) ")


def _stat_fields(pid: int) -> list[str] | None:
    try:
        text = (_PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # The command name may hold spaces and parentheses: split after the last ')'.
    return text[text.rindex(")") + 2 :].split()


def machine_busy_ticks() -> int:
    """Jiffies all CPUs spent in user, nice, system and steal since boot. Interrupt time is left
    out: the bench's own loopback networking lands there, attributed to no process."""
    values = [int(v) for v in (_PROC / "stat").read_text().split("\n", 1)[0].split()[1:]]
    return values[0] + values[1] + values[2] + (values[7] if len(values) > 7 else 0)


@dataclass(frozen=True, slots=True)
class ProcessSample:
    ticks: int
    group: int
    name: str
    # The database a PostgreSQL client backend serves ("" for any other process).
    database: str = ""


def _backend_database(pid: int) -> str:
    try:
        title = (_PROC / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""
    found = _BACKEND_TITLE.search(title)
    return found.group(1) if found else ""


def snapshot() -> dict[int, ProcessSample]:
    """CPU ticks (user + system, all threads) of every user-space process now."""
    out = {}
    for entry in _PROC.iterdir():
        if not entry.name.isdigit():
            continue
        pid = int(entry.name)
        fields = _stat_fields(pid)
        # After the name: state(0) ppid(1) pgrp(2) ... utime(11) stime(12). Kernel threads (children
        # of kthreadd, pid 2) are skipped: they do the loopback networking for everyone.
        if not fields or pid == 2 or fields[1] == "2":
            continue
        try:
            name = (entry / "comm").read_text().strip()
        except OSError:
            continue
        database = _backend_database(pid) if name == "postgres" else ""
        out[pid] = ProcessSample(int(fields[11]) + int(fields[12]), int(fields[2]), name, database)
    return out


@dataclass(frozen=True, slots=True)
class CpuUse:
    """Average cores busy during a window (2.0 = both cores all the time)."""

    server: float
    load: float
    support: float
    other: float
    seconds: float
    # Busy time no live process accounts for: processes that came and went inside the window
    # (a colleague's test run spawning tools); counted with ``other`` when judging a run.
    unseen: float = 0.0

    @property
    def others(self) -> float:
        return self.other + self.unseen


def split_cpu(
    before: dict[int, ProcessSample],
    after: dict[int, ProcessSample],
    *,
    server_groups: Iterable[int],
    own_pid: int,
    load_ticks: int,
    seconds: float,
    machine_busy: int | None = None,
    database: str | None = None,
) -> CpuUse:
    """Attribute each process's ticks: servers, PostgreSQL/Redis, this process, or others. With
    ``database`` (the bench's own), a PostgreSQL backend serving another database is an other.

    wrk has exited by the end of the window, so its ticks come in ``load_ticks`` (RUSAGE_CHILDREN);
    this process's own ticks count as load too (it drives the crowd generator). A process that
    started inside the window counts from zero; one that ended inside it is not seen (rare: the
    others on these machines are long-running test runs).
    """
    groups = set(server_groups)
    server = support = other = 0
    for pid, sample in after.items():
        ticks = sample.ticks - (before[pid].ticks if pid in before else 0)
        if sample.group in groups:
            server += ticks
        elif sample.name in SUPPORT_NAMES and not (database and sample.database not in ("", database)):
            support += ticks
        elif pid == own_pid:
            load_ticks += ticks  # the bench drives the crowd load itself
        else:
            other += ticks
    per_core = max(seconds, 1e-9) * _TICKS
    seen = server + load_ticks + support + other
    unseen = max(0, machine_busy - seen) if machine_busy is not None else 0
    return CpuUse(
        server=server / per_core,
        load=load_ticks / per_core,
        support=support / per_core,
        other=other / per_core,
        seconds=seconds,
        unseen=unseen / per_core,
    )


class CpuWindow:
    """Measure CPU use between ``__enter__`` and ``__exit__``; ``server_groups`` names the servers."""

    def __init__(self, server_groups: Callable[[], Iterable[int]], database: str | None = None) -> None:
        self._groups = server_groups
        self._database = database
        self.result: CpuUse | None = None

    @staticmethod
    def _children_ticks() -> int:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return round((usage.ru_utime + usage.ru_stime) * _TICKS)

    def __enter__(self) -> CpuWindow:
        self._busy = machine_busy_ticks()
        self._before = snapshot()
        self._children = self._children_ticks()
        self._start = time.monotonic()
        return self

    def __exit__(self, *exc: object) -> None:
        seconds = time.monotonic() - self._start
        after = snapshot()
        busy = machine_busy_ticks() - self._busy
        self.result = split_cpu(
            self._before,
            after,
            server_groups=self._groups(),
            own_pid=os.getpid(),
            load_ticks=self._children_ticks() - self._children,
            seconds=seconds,
            machine_busy=busy,
            database=self._database,
        )


def wait_for_quiet(
    *,
    server_groups: Callable[[], Iterable[int]],
    threshold: float,
    timeout_s: float,
    database: str | None = None,
) -> float:
    """Wait for half a second in which others use less than ``threshold`` cores and the servers have
    settled (below ``threshold`` too: work queued by the previous run, such as argon2 hashes still in
    flight, must not bleed into the next). Returns what others used in the last half second."""
    deadline = time.monotonic() + timeout_s
    while True:
        window = CpuWindow(server_groups, database)
        with window:
            time.sleep(0.5)
        use = window.result
        if use is None or (use.others < threshold and use.server < threshold):
            return use.others if use else 0.0
        if time.monotonic() >= deadline:
            return use.others


def cpu_model() -> str:
    try:
        for line in (_PROC / "cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"
