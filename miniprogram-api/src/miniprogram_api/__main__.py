"""``suqian``: serve the whole API, or apply migrations.

suqian serve      # migrations, then granian on SUQIAN_HOST:SUQIAN_PORT with SUQIAN_WORKERS workers
suqian migrate    # apply pending migrations and exit
"""

from __future__ import annotations

import os
import sys

from backend.__main__ import main as backend_main
from backend.feature import feature_sections
from backend.settings import SettingsError, load_settings
from miniprogram_api.app import FEATURES


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
    if migrate_first and (code := backend_main(["migrate"])) != 0:
        return code
    from granian import Granian
    from granian.constants import HTTPModes, Interfaces, Loops
    from granian.http import HTTP1Settings

    print(
        f"My Suqian API on http://{settings.http.host}:{settings.http.port} ({settings.mode})",
        flush=True,
    )
    if settings.mode == "benchmark":
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
    return 0


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["serve"]:
        return serve(migrate_first="--no-migrate" not in args)
    if args == ["migrate"]:
        return backend_main(["migrate"])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
