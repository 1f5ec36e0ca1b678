"""One bench run's stack: its database and Redis prefix, the API and the reference apps, torn down after.

The API is started exactly as production starts it (``suqian serve``: migrations, then granian with 2
workers, uvloop, HTTP/1, the default backpressure and read timeouts, no access log), in benchmark mode:
production's stack (PostgreSQL + Redis) with the sandbox upstreams mounted so the bench can seed
citizens (the SMS outbox lives there). Production itself refuses to mount them.
"""

from __future__ import annotations

import base64
import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from load_tests.console import log
from load_tests.stack import provision
from load_tests.stack.process import Server, free_port, start_server

REPO = Path(__file__).resolve().parents[4]


@dataclass(frozen=True, slots=True)
class ReferenceApp:
    name: str
    app: str  # the app name for load_tests.stack.serve
    path: str = "/"


def ensure_tools() -> None:
    """wrk, PostgreSQL and Redis, installed and started the way the test command does it."""
    lib = REPO / "scripts" / "lib.sh"
    if shutil.which("wrk") and shutil.which("redis-server"):
        steps = "ensure_postgres; ensure_redis"
    else:
        steps = "command -v wrk >/dev/null || apt_install wrk; ensure_postgres; ensure_redis"
    if lib.exists():
        subprocess.run(["bash", "-c", f". {lib}; {steps}"], check=True)  # noqa: S603, S607


def _suqian_env(
    provisioned: provision.Provisioned, port: int, data_dir: Path, admin: str, *, workers: int = 2
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUQIAN_")}
    env.update(
        {
            # Production's stack with the sandbox twins mounted: they stand in for government systems
            # and hand out SMS codes for seeding. The server warns at start that this is no production;
            # it mounts them only when asked by name too, and on a loopback host only (SUQIAN_HOST).
            "SUQIAN_MODE": "benchmark",
            "SUQIAN_SANDBOX_MOUNT": "1",
            "SUQIAN_DATABASE_URL": provisioned.database_url,
            "SUQIAN_REDIS_URL": provisioned.redis_url,
            "SUQIAN_REDIS_KEY_PREFIX": provisioned.redis_prefix,
            "SUQIAN_DATA_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
            "SUQIAN_INDEX_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
            "SUQIAN_BOOTSTRAP_ADMIN_PASSWORD": admin,
            "SUQIAN_WORKERS": str(workers),
            "SUQIAN_HOST": "127.0.0.1",
            "SUQIAN_PORT": str(port),
            "SUQIAN_DATA_DIR": str(data_dir),
            # The seeder reads the route list from the OpenAPI document (off in production by default).
            "SUQIAN_OPENAPI": "1",
            "SUQIAN_LOG_LEVEL": "WARNING",
            # "code issue" drives one citizen at thousands a second, and the scanner run fetches 32
            # codes per citizen at once: far past the per-citizen cap (30 a minute). Raised so high it
            # never refuses, the cap's check still runs, so its cost stays in the figure.
            "SUQIAN_CODE_ISSUE_PER_MINUTE": "1000000000",
            # The seeder signs in as the bootstrap operator to register gate scanners; the bench measures
            # gates, not sign-ins, on a throwaway stack: no second factor asked of it (ADR 8).
            "SUQIAN_STAFF_SECOND_FACTOR_ROLES": "[]",
            # ... nor a change of the configured bootstrap password (a random one per stack run).
            "SUQIAN_STAFF_BOOTSTRAP_PASSWORD_CHANGE": "false",
        }
    )
    return env


def _suqian_command() -> list[str]:
    script = Path(sys.executable).with_name("suqian")
    return [str(script) if script.exists() else (shutil.which("suqian") or "suqian"), "serve"]


@dataclass(slots=True)
class Stack:
    api: Server
    references: dict[str, Server]
    admin_password: str
    provisioned: provision.Provisioned

    def groups(self) -> list[int]:
        return [self.api.group, *(s.group for s in self.references.values())]

    def url_for(self, reference: str | None) -> str:
        return self.references[reference].base_url if reference else self.api.base_url


@contextmanager
def running_stack(
    workdir: Path,
    references: Sequence[ReferenceApp],
    *,
    api_env: Mapping[str, str] | None = None,
    workers: int = 2,
) -> Iterator[Stack]:
    """The API (with ``api_env`` added to its environment) and the reference apps, each with
    ``workers`` granian workers, stopped at the end."""
    admin_urls = (
        tuple(
            u
            for u in (os.environ.get("SUQIAN_BENCH_PG_ADMIN_URL"), os.environ.get("SUQIAN_TEST_PG_ADMIN_URL"))
            if u
        )
        or provision.DEFAULT_PG_ADMIN_URLS
    )
    redis_url = (
        os.environ.get("SUQIAN_BENCH_REDIS_URL")
        or os.environ.get("SUQIAN_TEST_REDIS_URL")
        or provision.DEFAULT_REDIS_URL
    )
    provisioned = provision.create(admin_urls, redis_url)
    log(f"database {provisioned.database}, Redis prefix {provisioned.redis_prefix}")
    servers: list[Server] = []
    try:
        admin = "Bench-" + secrets.token_urlsafe(16)
        port = free_port()
        log(f"starting the API on :{port} (suqian serve, {workers} workers, benchmark mode)")
        api = start_server(
            "api",
            _suqian_command(),
            port=port,
            env={
                **_suqian_env(provisioned, port, workdir / "data", admin, workers=workers),
                **(api_env or {}),
            },
            log_path=workdir / "api.log",
            ready_path="/health/ready",
            timeout_s=120,
        )
        servers.append(api)
        started = {}
        for reference in references:
            port = free_port()
            env = {**os.environ, "BENCH_REDIS_URL": redis_url, "BENCH_REDIS_KEY": provisioned.reference_key}
            server = start_server(
                reference.name,
                [
                    sys.executable,
                    "-m",
                    "load_tests.stack.serve",
                    reference.app,
                    "--port",
                    str(port),
                    "--workers",
                    str(workers),
                ],
                port=port,
                env=env,
                log_path=workdir / f"{reference.app}.log",
                ready_path=reference.path,
            )
            servers.append(server)
            started[reference.name] = server
        yield Stack(api=api, references=started, admin_password=admin, provisioned=provisioned)
    finally:
        for server in reversed(servers):
            server.stop()
        provision.drop(provisioned)


def main() -> None:
    """``python -m load_tests.stack.run``: the bench's API on a scratch database until Ctrl-C, for locust."""
    import signal
    import tempfile
    import threading

    ensure_tools()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with tempfile.TemporaryDirectory(prefix="suqian-stack-") as tmp, running_stack(Path(tmp), ()) as stack:
        print(f"API {stack.api.base_url} (benchmark mode, 2 workers, sandbox mounted)", flush=True)
        print(f"bootstrap operator: admin / {stack.admin_password}", flush=True)
        print(f"server log: {stack.api.log_path}; Ctrl-C to stop and drop the database", flush=True)
        with suppress(KeyboardInterrupt):
            stop.wait()


if __name__ == "__main__":
    main()
