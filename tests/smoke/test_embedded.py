"""The README's run command on a fresh data directory: SQLite, in-process store, sandbox — no services.

This starts the real server process (``suqian serve``) exactly as a newcomer would, only on a free
port and a temporary data directory, and talks to it over HTTP.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.embedded


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def embedded_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir = tmp_path_factory.mktemp("embedded")
    port = _free_port()
    suqian = shutil.which("suqian")
    assert suqian, "the suqian entry point is installed by uv sync"
    # Only what a newcomer's shell would have, plus where to put the data and which port to use.
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUQIAN_")}
    env.update(SUQIAN_DATA_DIR=str(data_dir), SUQIAN_PORT=str(port))
    log = (Path(data_dir) / "server.log").open("w")
    proc = subprocess.Popen([suqian, "serve"], env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, (Path(data_dir) / "server.log").read_text()
            try:
                if httpx.get(f"{base}/health/ready", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "server did not become ready in 60 s"
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


def test_embedded_default_is_ready_on_sqlite_and_the_memory_store(embedded_server: str) -> None:
    body = httpx.get(f"{embedded_server}/health/ready").json()
    assert body == {"status": "ok", "checks": {"database": "ok", "memory": "ok"}}


def test_embedded_default_answers_problems(embedded_server: str) -> None:
    response = httpx.get(f"{embedded_server}/api/v1/nowhere")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "request.not_found"


def test_embedded_default_serves_openapi_and_the_mini_program_edge(embedded_server: str) -> None:
    assert httpx.get(f"{embedded_server}/schema/openapi.json").json()["openapi"].startswith("3.1")
    assert httpx.get(f"{embedded_server}/mp/v1").status_code == 200


def test_embedded_default_mounts_the_government_sandbox(embedded_server: str) -> None:
    people = httpx.get(f"{embedded_server}/_sandbox/population/people").json()
    assert len(people) >= 3
    assert all(len(person["id_number"]) == 18 for person in people)
