"""One process serves an embedded data folder: the lock every entry point that opens it takes.

The embedded default keeps its replay caches, rate limits and token denylists in process, beside a
SQLite file: two servers on one folder would each pass a code once, and a migration run beside a
server changes the schema under it (issue 21, row 4, and its review). So every entry point that opens
an embedded data folder holds an exclusive ``flock`` on ``<data dir>/suqian.lock`` for as long as it
runs: ``suqian serve`` (for its granian workers, its children), ``suqian migrate`` and
``python -m backend migrate``, and the ASGI factory when granian is started by hand. ``flock``, not
``fcntl``'s record locks: those are dropped when any descriptor of the file closes. The lock dies with
its process, so a crash never leaves a folder locked.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

LOCK_FILE = "suqian.lock"


class DataDirInUse(Exception):
    """Another process serves the data folder; the message is the one line to print."""

    def __init__(self, data_dir: Path) -> None:
        super().__init__(f"{data_dir} is in use by {holder(data_dir)}: stop it or set SUQIAN_DATA_DIR")


def hold(data_dir: Path) -> int | None:
    """An exclusive lock on ``data_dir`` for as long as this process lives (the returned descriptor),
    or None when another process holds it."""
    data_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(data_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())
    return fd


def holder(data_dir: Path) -> str:
    """Who holds the lock, as the refusal names them."""
    pid = _holder_pid(data_dir)
    return f"another server (pid {pid})" if pid is not None else "another server"


def claim(data_dir: Path) -> None:
    """Make sure this process may serve ``data_dir``: the ``suqian serve`` that started it (its
    parent) holds the lock, or this process takes it until it exits. Raises ``DataDirInUse``."""
    if hold(data_dir) is not None:
        return  # held until the process exits: the descriptor is never closed
    if _holder_pid(data_dir) == os.getppid():
        return
    raise DataDirInUse(data_dir)


def _holder_pid(data_dir: Path) -> int | None:
    try:
        pid = (data_dir / LOCK_FILE).read_text().strip()
    except OSError:
        return None
    return int(pid) if pid.isdigit() else None
