"""Serve a reference app exactly as ``suqian serve`` serves the API (miniprogram_api.__main__).

python -m load_tests.stack.serve hello|redis --port 8101 [--workers 2]
"""

from __future__ import annotations

import argparse

from granian import Granian
from granian.constants import HTTPModes, Interfaces, Loops
from granian.http import HTTP1Settings

APPS = {
    "hello": "load_tests.stack.reference:hello_app",
    "redis": "load_tests.stack.reference:redis_app",
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m load_tests.stack.serve")
    parser.add_argument("app", choices=sorted(APPS))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    # The same flags as the API (miniprogram_api.__main__ with the HttpSettings defaults): uvloop,
    # HTTP/1, no websockets, backpressure 512, a 10 s header read timeout, no access log.
    Granian(
        APPS[args.app],
        factory=True,
        interface=Interfaces.ASGI,
        address=args.host,
        port=args.port,
        workers=args.workers,
        loop=Loops.uvloop,
        http=HTTPModes.http1,
        websockets=False,
        backlog=1024,
        backpressure=512,
        http1_settings=HTTP1Settings(header_read_timeout=10_000),
        log_access=False,
    ).serve()


if __name__ == "__main__":
    main()
