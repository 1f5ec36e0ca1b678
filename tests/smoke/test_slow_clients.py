"""Slow and idle clients cannot starve the server (issue 21, row 2): ``suqian serve`` as the README runs it,
against sockets that connect and say nothing, send half their headers, or declare a body and trickle it.

Granian counts connections against ``SUQIAN_HTTP_BACKPRESSURE``, so before this each of these held a
slot: 64 of them stopped the server answering anyone.
"""

from __future__ import annotations

import contextlib
import json
import socket
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

import httpx
import pytest

from tests.smoke.server import serve

pytestmark = pytest.mark.embedded

# Shorter read timeouts than the defaults (10 s, 30 s), so the shedding is seen in seconds, yet long
# enough that the first test's 3 s hold ends well inside them on a busy 2-core machine; the slot count
# under test is the default one.
HEADER_TIMEOUT = 8.0
BODY_TIMEOUT = 9.0
OPENINGS = {
    "idle": b"",
    "half_headers": b"GET /health/live HTTP/1.1\r\nHost: suqian\r\nUser-Agent: slo",
    "trickled_body": b"POST /api/v1/auth/sms-codes HTTP/1.1\r\nHost: suqian\r\n"
    b"Content-Type: application/json\r\nContent-Length: 4096\r\n\r\n" + b'{"phone": "',
}


@dataclass
class SlowClient:
    kind: str
    sock: socket.socket
    received: bytes = b""
    ended_after: float | None = None

    def trickle(self) -> None:
        if self.kind == "trickled_body" and self.ended_after is None:
            with contextlib.suppress(OSError):  # closed by the server: poll() records when
                self.sock.send(b"1")

    def poll(self, opened: float) -> None:
        """Read what the server sent without waiting; note when it ended the connection."""
        while self.ended_after is None:
            try:
                chunk = self.sock.recv(65536)
            except BlockingIOError:
                return
            except OSError:
                chunk = b""
            if not chunk:
                self.ended_after = time.monotonic() - opened
            self.received += chunk


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serve(
        tmp_path_factory.mktemp("slow"),
        SUQIAN_HTTP_HEADER_READ_TIMEOUT=str(HEADER_TIMEOUT),
        SUQIAN_HTTP_BODY_READ_TIMEOUT=str(BODY_TIMEOUT),
    ) as base:
        yield base


@contextmanager
def slow_clients(base: str, count: int) -> Iterator[list[SlowClient]]:
    """``count`` open sockets, a third of each kind, closed on exit."""
    port = int(base.rpartition(":")[2])
    kinds = list(OPENINGS)
    with ExitStack() as stack:
        clients = []
        for n in range(count):
            sock = stack.enter_context(socket.create_connection(("127.0.0.1", port), timeout=5))
            kind = kinds[n % len(kinds)]
            if OPENINGS[kind]:
                sock.sendall(OPENINGS[kind])
            # From here on nothing waits on a slow socket: a socket with a timeout would make even a
            # MSG_DONTWAIT read wait for it.
            sock.setblocking(False)
            clients.append(SlowClient(kind, sock))
        yield clients


def test_health_answers_within_a_second_while_150_slow_sockets_are_held(server: str) -> None:
    latencies = []
    with slow_clients(server, 150) as held:
        opened = time.monotonic()
        # 3 s: inside both read timeouts, so every slow socket holds its connection throughout.
        while time.monotonic() - opened < 3:
            for client in held:
                client.trickle()
            started = time.monotonic()
            # A fresh connection each time: it needs a slot of its own, as a new visitor's would.
            response = httpx.get(f"{server}/health/live", timeout=1)
            latencies.append(time.monotonic() - started)
            assert response.status_code == 200
            time.sleep(0.2)
        for client in held:
            client.poll(opened)
        assert [c for c in held if c.ended_after is not None or c.received] == [], "a slow socket was let go"
    assert len(latencies) >= 5
    assert max(latencies) < 1, latencies


def test_the_read_timeouts_shed_slow_sockets(server: str) -> None:
    with slow_clients(server, 30) as clients:
        opened = time.monotonic()
        while any(c.ended_after is None for c in clients) and time.monotonic() - opened < BODY_TIMEOUT + 5:
            for client in clients:
                client.trickle()
                client.poll(opened)
            time.sleep(0.2)
    silent = [c for c in clients if c.kind != "trickled_body"]
    trickled = [c for c in clients if c.kind == "trickled_body"]
    # The header timeout runs from the accept, for a socket that never sent a byte too.
    for client in silent:
        assert client.ended_after is not None, client.kind
        assert HEADER_TIMEOUT - 0.5 < client.ended_after < HEADER_TIMEOUT + 3, client
        assert client.received == b"", client
    # One deadline for the whole body: the trickle (a byte every 0.2 s) never extends it.
    for client in trickled:
        assert client.ended_after is not None
        assert BODY_TIMEOUT - 0.5 < client.ended_after < BODY_TIMEOUT + 3, client
        head, _, body = client.received.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 408 "), head
        assert b"content-type: application/problem+json" in head.lower()
        assert json.loads(body)["code"] == "request.timeout"
