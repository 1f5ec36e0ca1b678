"""The real server for smoke tests: ``suqian serve`` exactly as the README runs it, on a free port and a
data directory of the test's own, with no ``SUQIAN_*`` variable from the caller's shell."""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from backend.staff import totp

_PRINTED = re.compile(r"generated password: (\S+)")
# One folder for every test server's sandbox platform keys (derived from the seed, the same for all):
# each server's fresh data folder would derive them again, most of a second each.
SANDBOX_KEYS = Path(tempfile.gettempdir()) / "suqian-test-sandbox-keys"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def serve(data_dir: Path, port: int | None = None, **env_extra: str) -> Iterator[str]:
    """Start the server, wait until ``/health/ready`` answers, yield its base URL, stop it. Its output
    goes to ``data_dir/server-<n>.log`` (one file per start)."""
    suqian = shutil.which("suqian")
    assert suqian, "the suqian entry point is installed by uv sync"
    port = port or free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUQIAN_")}
    env.update(
        SUQIAN_DATA_DIR=str(data_dir),
        SUQIAN_PORT=str(port),
        SUQIAN_UPSTREAM_SANDBOX_KEY_CACHE=str(SANDBOX_KEYS),
    )
    env.update(env_extra)
    log_path = data_dir / f"server-{time.monotonic_ns()}.log"
    with log_path.open("w") as log:
        # A session of its own, so the server and its granian workers can be stopped together.
        proc = subprocess.Popen(
            [suqian, "serve"], env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        base = f"http://127.0.0.1:{port}"
        try:
            # 240 s: on a 2-core machine shared with other builds, start-up (imports, migrations of every
            # feature, the seeds) was measured at ~2 minutes under a load average of 13.
            deadline = time.monotonic() + 240
            while True:
                assert proc.poll() is None, log_path.read_text()
                try:
                    if httpx.get(f"{base}/health/ready", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, "server did not become ready in 240 s"
                time.sleep(0.2)
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                # Never leave a server behind: one still starting up does not always heed SIGTERM.
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=20)
        # Every answer the server gave must be one its route declares (backend.access).
        undeclared = [line for line in log_path.read_text().splitlines() if "problem.undeclared" in line]
        assert not undeclared, "answers the routes do not declare:\n" + "\n".join(undeclared)


def printed_passwords(data_dir: Path) -> list[str]:
    """Operator passwords the server printed at start-up, across every start in ``data_dir``."""
    return [m for log in sorted(data_dir.glob("server-*.log")) for m in _PRINTED.findall(log.read_text())]


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def operator_session(web: httpx.Client, password: str) -> dict[str, str]:
    """The bootstrap operator's first sign-in on a fresh server: an operator must enrol an
    authenticator first (ADR 9), whose code this computes as the app would; a configured (not
    printed) password is changed first, to a random one. Bearer headers."""
    login = web.post("/api/v1/staff/token", json={"username": "admin", "password": password})
    assert login.status_code == 200, login.text
    assert login.json()["status"] == "setup_required", login.text
    setup = bearer(login.json()["access_token"])
    if "password_change" in login.json()["required"]:
        change = {"current_password": password, "new_password": secrets.token_urlsafe(18)}
        changed = web.post("/api/v1/staff/me/password", json=change, headers=setup)
        assert changed.status_code == 200, changed.text
    secret = web.post("/api/v1/staff/me/second-factor/totp", json={}, headers=setup).json()["secret"]
    code = totp.code_at(secret, time.time())
    confirmed = web.post("/api/v1/staff/me/second-factor/totp/confirm", json={"code": code}, headers=setup)
    assert confirmed.status_code == 200, confirmed.text
    return bearer(confirmed.json()["session"]["access_token"])
