"""The machine and the versions a run measured, recorded beside every table."""

from __future__ import annotations

import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path

from load_tests.cpu import cpu_model

PACKAGES = (
    "litestar",
    "granian",
    "msgspec",
    "uvloop",
    "redis",
    "hiredis",
    "asyncpg",
    "piccolo",
    "cryptography",
    "argon2-cffi",
    "python-jose",
)


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "absent"


def _first_line(argv: list[str]) -> str:
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=10, check=False)  # noqa: S603
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    text = (out.stdout or out.stderr).strip()
    return text.splitlines()[0] if text else "unknown"


def describe(repo: Path | None) -> dict[str, object]:
    memory_kib = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_kib = int(line.split()[1])
    except OSError:
        pass
    info: dict[str, object] = {
        "cpu_model": cpu_model(),
        "cpus": os.cpu_count(),
        "memory_gib": round(memory_kib / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "wrk": _first_line(["wrk", "-v"]).split(" [")[0],
        "packages": {p: _version(p) for p in PACKAGES},
    }
    if repo is not None and (repo / ".git").exists():
        info["commit"] = _first_line(["git", "-C", str(repo), "rev-parse", "--short", "HEAD"])
    return info


def summary_line(info: dict[str, object]) -> str:
    packages = info.get("packages", {})
    assert isinstance(packages, dict)
    return (
        f"{info['cpus']} × {info['cpu_model']}, {info['memory_gib']} GiB, Linux {info['kernel']}, "
        f"Python {info['python']}, granian {packages.get('granian')}, litestar {packages.get('litestar')}, "
        f"{info['wrk']}"
        + (f", PostgreSQL {info['postgresql']}" if "postgresql" in info else "")
        + (f", Redis {info['redis']}" if "redis" in info else "")
        + (f", commit {info['commit']}" if "commit" in info else "")
    )
