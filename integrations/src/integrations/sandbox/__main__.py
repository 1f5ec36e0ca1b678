"""``python -m integrations.sandbox --port 8100``: serve the combined sandbox on its own.

The library does not depend on a server: this runs the ``granian`` command (installed
with the backend) as a child process with the app factory below.
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys

from integrations.sandbox import Sandbox, create_sandbox


def app_factory() -> Sandbox:
    """Factory for the server: the default, seed-0 sandbox on the system clock."""
    return create_sandbox()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m integrations.sandbox")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8100)
    args = parser.parse_args(argv)
    if importlib.util.find_spec("granian") is None:
        print("granian is not installed: `uv sync --all-packages` installs it", file=sys.stderr)
        return 2
    command = [
        sys.executable,
        "-m",
        "granian",
        "--interface",
        "asgi",
        "--factory",
        "--host",
        args.host,
        "--port",
        str(args.port),
        "integrations.sandbox.__main__:app_factory",
    ]
    try:
        return subprocess.call(command)  # noqa: S603 - fixed argv, no shell
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
