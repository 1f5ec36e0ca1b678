"""The README's walkthrough is a script (scripts/demo.sh); run it against the real embedded server so
the five-minute path from clone to a verified citizen code can't drift from the code — on a port other
than 8000, told only through SUQIAN_PORT as the README says, and through the operator's mistakes: a wrong
password or a locked account is one line before anything is created, and `suqian staff reset-password` /
`suqian staff unlock` on the machine get the operator back in (issue 20, item 1)."""

from __future__ import annotations

import getpass
import os
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.smoke.server import free_port, serve

pytestmark = pytest.mark.embedded

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "demo-operator-password"


def demo(port: int, password: str, **env_extra: str) -> subprocess.CompletedProcess[str]:
    """``./scripts/demo.sh`` as the README runs it: the port from SUQIAN_PORT, no URL argument."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SUQIAN_", "ADMIN_"))}
    env.update(SUQIAN_PORT=str(port), ADMIN_PASSWORD=password, **env_extra)
    return subprocess.run(
        [str(ROOT / "scripts" / "demo.sh")], env=env, capture_output=True, text=True, timeout=180, check=False
    )


def staff_command(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    suqian = shutil.which("suqian")
    assert suqian
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUQIAN_")}
    env.update(SUQIAN_DATA_DIR=str(data_dir))
    return subprocess.run(
        [suqian, "staff", *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def kept(output: str, name: str) -> str:
    found = re.search(rf"{name}=(\S+)", output)
    assert found, output
    return found.group(1)


def audited(data_dir: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(data_dir / "suqian.sqlite3") as db:
        return db.execute("SELECT actor, action FROM audit_entry WHERE action LIKE 'staff.%'").fetchall()


def assert_passes(result: subprocess.CompletedProcess[str]) -> list[str]:
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert any(line.strip().startswith('first: {"decision":"pass"') for line in lines), result.stdout
    assert any('"reason":"replayed"' in line for line in lines), result.stdout
    # The offline verdict from `python -m citizen_code verify`, with only the published trust list.
    assert any(line.startswith("pass ok") for line in lines), result.stdout
    assert any(re.match(r"online code: .* issued_at=\d{4}-\d\d-\d\dT", line) for line in lines), result.stdout
    return lines


def test_demo_script_registers_a_citizen_and_verifies_their_code_online_and_offline_on_any_port(
    tmp_path: Path,
) -> None:
    port = free_port()
    assert port != 8000
    with serve(tmp_path, port, SUQIAN_BOOTSTRAP_ADMIN_PASSWORD=PASSWORD):
        assert_passes(demo(port, PASSWORD))


def test_an_operator_locked_out_gets_one_line_and_is_let_back_in_from_the_machine(tmp_path: Path) -> None:
    port = free_port()
    with serve(tmp_path, port, SUQIAN_BOOTSTRAP_ADMIN_PASSWORD=PASSWORD) as base:
        first = demo(port, PASSWORD)
        assert_passes(first)
        password, secret = kept(first.stdout, "ADMIN_PASSWORD"), kept(first.stdout, "ADMIN_TOTP_SECRET")
        people = len(httpx.get(f"{base}/_sandbox/population/people").json())

        wrong = demo(port, "not-the-password")
        assert (wrong.returncode, wrong.stdout) == (1, ""), wrong.stdout + wrong.stderr
        assert wrong.stderr.splitlines() == [
            f"demo.sh: wrong operator password (ADMIN_PASSWORD) for {base}; lost it? stop the server "
            "and run `uv run suqian staff reset-password admin`"
        ]
        for _ in range(5):  # the login throttle's free failures from one address run out
            last = demo(port, "not-the-password")
        assert (last.returncode, last.stdout) == (1, "")
        assert re.fullmatch(
            r"demo\.sh: the operator 'admin' is locked for \d+ min after failed sign-ins: wait, or stop "
            r"the server and run `uv run suqian staff unlock admin`",
            last.stderr.strip(),
        ), last.stderr
        # Even the right password waits its turn now; nothing was created by any of these runs.
        assert "locked for" in demo(port, password, ADMIN_TOTP_SECRET=secret).stderr
        assert len(httpx.get(f"{base}/_sandbox/population/people").json()) == people

    # While the server runs it owns the data folder: the commands say so and change nothing.
    with serve(tmp_path, port, SUQIAN_BOOTSTRAP_ADMIN_PASSWORD=PASSWORD):
        refused = staff_command(tmp_path, "unlock", "admin")
        assert refused.returncode == 2
        assert "is in use by another server" in refused.stderr
    unlocked = staff_command(tmp_path, "unlock", "admin")
    assert unlocked.returncode == 0, unlocked.stderr
    reset = staff_command(tmp_path, "reset-password", "ADMIN")  # usernames are case-insensitive
    assert reset.returncode == 0, reset.stderr
    printed = re.search(r"new password for 'admin' \(shown only this once\): (\S+)", reset.stdout)
    assert printed, reset.stdout
    new_password = printed.group(1)
    assert staff_command(tmp_path, "unlock", "nobody").returncode == 1
    assert audited(tmp_path)[-2:] == [
        (f"system:cli:{getpass.getuser()}", "staff.unlocked"),
        (f"system:cli:{getpass.getuser()}", "staff.password_reset"),
    ]

    with serve(tmp_path, port, SUQIAN_BOOTSTRAP_ADMIN_PASSWORD=PASSWORD):
        again = demo(port, new_password, ADMIN_TOTP_SECRET=secret)
        # SUQIAN_BOOTSTRAP_ADMIN_PASSWORD counts only at the first start: set again, it changes nothing.
        bootstrap = demo(port, PASSWORD)
    # The reset password is changed at the sign-in (the script does it and prints the new one).
    lines = assert_passes(again)
    assert any("the password is changed" in line for line in lines), again.stdout
    assert bootstrap.returncode == 1
    assert "wrong operator password" in bootstrap.stderr
