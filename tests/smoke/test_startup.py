"""Start-up fails closed (issue 21, row 4): a second embedded server on the same data folder or the same
port refuses with one clear line. Before, both started: granian binds with SO_REUSEPORT, so the kernel
shared the port between them, and each kept its own in-memory replay cache (one citizen code verified
8 times passed twice); a port held by anything else gave an 80-line traceback after the banner."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest

from tests.smoke.server import free_port, serve

pytestmark = pytest.mark.embedded


@pytest.fixture(scope="module")
def first(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, int]]:
    data_dir, port = tmp_path_factory.mktemp("first"), free_port()
    with serve(data_dir, port):
        yield data_dir, port


def second_server(data_dir: Path, port: int) -> tuple[int, list[str]]:
    """``suqian serve`` once more: its exit code and its output lines. One that starts after all (the
    old behaviour) is stopped after 20 s — several times a refusal's budget — and fails the test."""
    suqian = shutil.which("suqian")
    assert suqian
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUQIAN_")}
    env.update(SUQIAN_DATA_DIR=str(data_dir), SUQIAN_PORT=str(port))
    proc = subprocess.Popen(
        [suqian, "serve"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        out, _ = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGTERM)  # its own session: the granian workers too
        out, _ = proc.communicate(timeout=20)
        pytest.fail(f"the second server started:\n{out.decode(errors='replace')}")
    return proc.returncode, out.decode().splitlines()


def test_a_second_server_on_the_same_data_folder_refuses_to_start(first: tuple[Path, int]) -> None:
    data_dir, _ = first
    code, lines = second_server(data_dir, free_port())
    assert code == 2
    assert len(lines) == 1, lines
    held = rf"{re.escape(str(data_dir))} is in use by another server \(pid \d+\)"
    assert re.fullmatch(held + ": stop it or set SUQIAN_DATA_DIR", lines[0]), lines


def test_a_second_server_on_the_same_port_refuses_to_start(first: tuple[Path, int], tmp_path: Path) -> None:
    _, port = first
    code, lines = second_server(tmp_path, port)
    assert (code, lines) == (
        2,
        [f"127.0.0.1:{port} is already in use (another server?): stop it or set SUQIAN_PORT"],
    )


def test_a_port_held_by_another_program_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        code, lines = second_server(tmp_path, port)
    assert (code, lines) == (
        2,
        [f"127.0.0.1:{port} is already in use (another server?): stop it or set SUQIAN_PORT"],
    )


def _run(args: list[str], data_dir: Path) -> tuple[int, list[str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUQIAN_")}
    env.update(SUQIAN_DATA_DIR=str(data_dir))
    done = subprocess.run(args, env=env, capture_output=True, timeout=60, check=False)
    return done.returncode, (done.stdout + done.stderr).decode(errors="replace").splitlines()


@pytest.mark.parametrize(
    "command",
    [["suqian", "migrate"], ["python", "-m", "backend", "migrate"]],
    ids=["suqian migrate", "python -m backend migrate"],
)
def test_migrating_a_data_folder_a_server_holds_refuses(first: tuple[Path, int], command: list[str]) -> None:
    # A migration would change the schema under the running server (review of issue 21).
    data_dir, _ = first
    executable = shutil.which(command[0])
    assert executable
    code, lines = _run([executable, *command[1:]], data_dir)
    held = rf"{re.escape(str(data_dir))} is in use by another server \(pid \d+\)"
    assert (code, len(lines)) == (2, 1), lines
    assert re.fullmatch(held + ": stop it or set SUQIAN_DATA_DIR", lines[0]), lines


def test_the_asgi_factory_refuses_a_data_folder_another_server_holds(first: tuple[Path, int]) -> None:
    # What granian runs when started by hand (README: "or directly"), bypassing suqian serve.
    data_dir, _ = first
    python = shutil.which("python")
    assert python
    code, lines = _run([python, "-c", "from miniprogram_api.asgi import app; app()"], data_dir)
    assert code != 0
    assert any(f"{data_dir} is in use by another server" in line for line in lines), lines


def test_migrating_a_free_data_folder_works_and_leaves_it_free(tmp_path: Path) -> None:
    suqian = shutil.which("suqian")
    assert suqian
    assert _run([suqian, "migrate"], tmp_path)[0] == 0
    with serve(tmp_path):
        pass


@pytest.mark.parametrize(
    "args",
    [["--help"], ["serve", "--help"], ["migrate", "--help"], ["staff", "reset-password", "--help"]],
    ids=" ".join,
)
def test_help_prints_usage_and_starts_nothing(tmp_path: Path, args: list[str]) -> None:
    suqian = shutil.which("suqian")
    assert suqian
    data_dir = tmp_path / "data"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUQIAN_")}
    env.update(SUQIAN_DATA_DIR=str(data_dir), SUQIAN_PORT=str(port))
    done = subprocess.run([suqian, *args], env=env, capture_output=True, text=True, timeout=30, check=False)
    assert (done.returncode, done.stderr) == (0, ""), done.stderr
    assert done.stdout.startswith("usage: suqian"), done.stdout
    assert not data_dir.exists()  # no database, no keys, no lock: nothing ran
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", port))  # nobody listens on the port


def test_start_up_speaks_json_lines_with_one_migration_summary(first: tuple[Path, int]) -> None:
    # The module's first server, started on a fresh folder: every migration ran at its start.
    data_dir, _ = first
    (log,) = sorted(data_dir.glob("server-*.log"))
    lines = log.read_text().splitlines()
    # The one plain exception: the generated operator password, for the person at the terminal, never a
    # log record (tests/smoke/server.py reads it back).
    shown = [line for line in lines if "generated password" in line or line.startswith("It is shown only")]
    records = [msgspec.json.decode(line) for line in lines if line not in shown]
    assert len(shown) == 2, lines
    migrations = [r["msg"] for r in records if r["msg"].startswith("migrations:")]
    assert len(migrations) == 1, migrations
    assert re.fullmatch(r"migrations: (\d+) applied now, \1 in all, for \d+ apps", migrations[0]), migrations
    assert any(r["msg"].startswith("My Suqian API starting on http://127.0.0.1:") for r in records), records
    assert not [r for r in records if "Sqlite version" in r["msg"]]
