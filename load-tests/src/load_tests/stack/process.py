"""Start, wait for and stop the servers of a bench run; each in its own process group."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx


class ServerError(Exception):
    """A server did not come up; the message holds the tail of its log."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(slots=True)
class Server:
    name: str
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def group(self) -> int:
        # started with start_new_session: the leader's pid is the group id of all its workers
        return self.process.pid

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def stop(self, timeout_s: float = 15.0) -> None:
        if self.process.poll() is not None:
            return
        try:
            os.killpg(self.group, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            self.process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(self.group, signal.SIGKILL)
            self.process.wait(5)


def start_server(
    name: str,
    argv: Sequence[str],
    *,
    port: int,
    env: Mapping[str, str],
    log_path: Path,
    ready_path: str = "/",
    timeout_s: float = 60.0,
) -> Server:
    """Start ``argv`` and wait until ``ready_path`` answers below 500."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 - argv built by the bench, no shell
            list(argv),
            stdout=log,
            stderr=subprocess.STDOUT,
            env=dict(env),
            start_new_session=True,
        )
    server = Server(name=name, process=process, port=port, log_path=log_path)
    deadline = time.monotonic() + timeout_s
    with httpx.Client(timeout=2.0) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise ServerError(f"{name} exited {process.returncode}:\n{server.log_tail()}")
            try:
                if client.get(server.base_url + ready_path).status_code < 500:
                    return server
            except httpx.TransportError:
                pass
            time.sleep(0.2)
    server.stop()
    raise ServerError(f"{name} did not answer {ready_path} within {timeout_s:.0f} s:\n{server.log_tail()}")
