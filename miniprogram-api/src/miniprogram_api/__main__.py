"""``suqian``: serve the whole API, apply migrations, run the workers, or help a locked-out operator.

suqian serve      # migrations, then granian on SUQIAN_HOST:SUQIAN_PORT with SUQIAN_WORKERS workers
suqian migrate    # apply pending migrations and exit
suqian seed-catalogue  # publish the seed catalogue's items the catalogue lacks (production: once)
suqian worker     # the background jobs (outbox delivery) without the HTTP side, until SIGTERM (production)
suqian staff reset-password <username> | unlock <username>   # on the server's machine

Start-up speaks one format: everything the server reports goes through logging as JSON lines
(``backend.observability.logs``), granian's own lines too. Plain lines are for the person at the
terminal only: a refusal to start (one line, exit code 2) and a generated password, which is shown,
never logged.
"""

from __future__ import annotations

import argparse
import errno
import logging
import os
import socket
import sys
from typing import Any

from backend import data_dir
from backend.__main__ import add_commands, run
from backend.__main__ import main as backend_main
from backend.feature import feature_sections
from backend.observability.logs import configure_logging
from backend.settings import SettingsError, load_settings
from miniprogram_api.app import FEATURES

log = logging.getLogger("suqian")

# Granian's own logger through our JSON formatter (its default is "[INFO] ...").
_GRANIAN_LOGGING: dict[str, Any] = {
    "formatters": {
        "generic": {"()": "backend.observability.logs.JsonFormatter"},
        "access": {"()": "backend.observability.logs.JsonFormatter"},
    }
}


def port_problem(host: str, port: int) -> str | None:
    """Why ``host:port`` can't be listened on, or None. Granian binds with SO_REUSEPORT, so a second
    server on a taken port would share it with the first; this probe binds without it and fails."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as exc:
        return f"cannot resolve {host}: {exc.strerror}"
    with socket.socket(family, kind, proto) as probe:
        # A previous run's connections in TIME_WAIT are no conflict; a listener is.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return f"{host}:{port} is already in use (another server?): stop it or set SUQIAN_PORT"
            return f"cannot listen on {host}:{port}: {exc.strerror}"
    return None


def serve(*, migrate_first: bool = True) -> int:
    try:
        settings = load_settings(os.environ, sections=feature_sections(FEATURES))
    except SettingsError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    if settings.mode == "embedded" and settings.http.workers != 1:
        print(
            "the embedded default keeps its store in-process: it runs exactly one worker",
            file=sys.stderr,
        )
        return 2
    lock = None
    if settings.mode == "embedded":
        # Held by this process, the granian workers' parent, for the migrations and the serving.
        lock = data_dir.hold(settings.data_dir)
        if lock is None:
            print(data_dir.DataDirInUse(settings.data_dir), file=sys.stderr)
            return 2
    if problem := port_problem(settings.http.host, settings.http.port):
        print(problem, file=sys.stderr)
        return 2
    if migrate_first and (code := backend_main(["migrate"], holding_data_dir=True)) != 0:
        return code
    from granian import Granian
    from granian.constants import HTTPModes, Interfaces, Loops
    from granian.http import HTTP1Settings

    configure_logging(settings.log.level)
    log.info(
        "My Suqian API starting on http://%s:%d (%s)",
        settings.http.host,
        settings.http.port,
        settings.mode,
        extra={"mode": settings.mode},
    )
    if settings.mode == "benchmark" and settings.upstream.mount_sandbox:
        log.warning(
            "benchmark mode mounts the government sandbox at /_sandbox, whose SMS outbox lists "
            "every code sent: a throwaway load-test stack only, never real users"
        )
    Granian(
        "miniprogram_api.asgi:app",
        factory=True,
        interface=Interfaces.ASGI,
        address=settings.http.host,
        port=settings.http.port,
        workers=settings.http.workers,
        loop=Loops.uvloop,
        # HTTP/1 only: in "auto" mode granian first sniffs for an HTTP/2 preface with no timeout, so a
        # socket that never sent a byte held its slot forever (measured); HTTP/1's header read timeout
        # runs from the accept. Browsers speak HTTP/2 only over TLS, which the proxy in front ends.
        http=HTTPModes.http1,
        websockets=False,
        backlog=settings.http.backlog,
        backpressure=settings.http.backpressure,
        http1_settings=HTTP1Settings(header_read_timeout=round(settings.http.header_read_timeout * 1000)),
        log_access=False,
        log_dictconfig=_GRANIAN_LOGGING,
    ).serve()
    if lock is not None:
        os.close(lock)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="suqian",
        description="My Suqian API. Settings come from SUQIAN_* variables (backend/README.md).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve_command = commands.add_parser(
        "serve",
        help="apply migrations, then serve on SUQIAN_HOST:SUQIAN_PORT (default 127.0.0.1:8000)",
        description="Apply pending migrations, then serve the API on SUQIAN_HOST:SUQIAN_PORT "
        "(default 127.0.0.1:8000). The embedded default keeps its data in SUQIAN_DATA_DIR (./data).",
    )
    serve_command.add_argument("--no-migrate", action="store_true", help="skip the migrations")
    add_commands(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(sys.argv[1:] if argv is None else argv)
    if args.command == "serve":
        return serve(migrate_first=not args.no_migrate)
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
