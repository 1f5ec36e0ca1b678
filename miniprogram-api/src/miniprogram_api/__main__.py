"""``suqian``: serve the whole API, or apply migrations.

suqian serve      # migrations, then granian on SUQIAN_HOST:SUQIAN_PORT with SUQIAN_WORKERS workers
suqian migrate    # apply pending migrations and exit
suqian seed-catalogue  # publish the seed catalogue's items the catalogue lacks (production: once)
suqian worker     # the background jobs (outbox delivery) without the HTTP side, until SIGTERM (production)
"""

from __future__ import annotations

import errno
import os
import socket
import sys

from backend import data_dir
from backend.__main__ import main as backend_main
from backend.feature import feature_sections
from backend.settings import SettingsError, load_settings
from miniprogram_api.app import FEATURES


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

    print(
        f"My Suqian API on http://{settings.http.host}:{settings.http.port} ({settings.mode})",
        flush=True,
    )
    if settings.mode == "benchmark" and settings.upstream.mount_sandbox:
        print(
            "WARNING: benchmark mode mounts the government sandbox at /_sandbox, whose SMS outbox lists "
            "every code sent: a throwaway load-test stack only, never real users",
            file=sys.stderr,
            flush=True,
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
    ).serve()
    if lock is not None:
        os.close(lock)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["serve"]:
        return serve(migrate_first="--no-migrate" not in args)
    if args == ["migrate"]:
        return backend_main(["migrate"])
    if args in (["worker"], ["seed-catalogue"]):
        return backend_main(args)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
