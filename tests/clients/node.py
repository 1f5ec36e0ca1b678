"""Node for the client tests: ``./scripts/test.sh`` installs it (``scripts/lib.sh``, Debian's
``nodejs`` and ``npm``); ``npm ci`` installs a folder's locked packages when its lock file changed."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CLIENTS = ROOT / "clients"
_STAMP = ".suqian-package-lock.sha256"


def require(tool: str) -> str:
    found = shutil.which(tool)
    if found is None:
        # scripts/test.sh installs Node; a bare pytest run without it says so instead of passing.
        pytest.fail(f"{tool} is not installed: run ./scripts/test.sh (or apt-get install nodejs npm)")
    return found


def run(args: list[str], cwd: Path, *, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """``args`` in ``cwd``; the test fails with the command's output when it fails."""
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        pytest.fail(f"{' '.join(args)} (in {cwd}) exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return done


def npm_ci(folder: Path) -> None:
    """``npm ci`` in ``folder`` unless its node_modules was installed from this very lock file."""
    lock = hashlib.sha256((folder / "package-lock.json").read_bytes()).hexdigest()
    stamp = folder / "node_modules" / _STAMP
    if stamp.exists() and stamp.read_text() == lock:
        return
    run([require("npm"), "ci", "--no-audit", "--no-fund", "--loglevel=error"], folder)
    stamp.write_text(lock)
