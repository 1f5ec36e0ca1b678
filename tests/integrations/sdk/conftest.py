"""The platform twins as an outside integrator meets them: served over real loopback HTTP, once
mounted in the embedded app and once standalone, and driven by the platforms' widely used
third-party SDKs with only the host changed.

``sandbox_url`` is the sandbox's base URL on either server (``.../_sandbox`` when mounted); each SDK
test module points its SDK at ``{sandbox_url}/<twin>``. Both servers run once per session:

* mounted — ``suqian serve`` exactly as the README runs it (``tests.smoke.server.serve``): the
  embedded default, whose ``create_app`` mounts the sandbox at ``/_sandbox``;
* standalone — ``python -m integrations.sandbox --port N``, the sandbox's own server.

Both run on the system clock, as the SDKs sign with the real time. The SDKs are synchronous
(``requests`` / ``urllib``), so these tests are plain functions.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.smoke.server import free_port, serve


def _wait_for(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while True:
        assert proc.poll() is None, log.read_text()
        try:
            if httpx.get(url, timeout=1, trust_env=False).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, f"{url} did not answer in 60 s"
        time.sleep(0.1)


def _standalone(data_dir: Path) -> Iterator[str]:
    port = free_port()
    log = data_dir / "sandbox.log"
    command = [sys.executable, "-m", "integrations.sandbox", "--port", str(port)]
    with log.open("w") as out:
        # Its own session: the module runs granian as a child, and both must stop with the test.
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(f"{base}/wechat/faults", proc, log)
        yield base
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)


@pytest.fixture(
    scope="session",
    params=[pytest.param("mounted", marks=pytest.mark.embedded), "standalone"],
)
def sandbox_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The sandbox's base URL on a real loopback server: mounted in the embedded app, or standalone."""
    data_dir = tmp_path_factory.mktemp(f"sdk-{request.param}")
    if request.param == "mounted":
        with serve(data_dir) as base:
            yield f"{base}/_sandbox"
    else:
        yield from _standalone(data_dir)
