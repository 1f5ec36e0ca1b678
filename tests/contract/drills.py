"""What the fault drills share: a Redis of the drill's own that can be stopped and started again on
its port, an app wired to other settings over the session's database, and a sweep of every
operation judged as an outage allows: a 4xx problem, or a 503 with a stable code and Retry-After.

The sweep walks the route table like the catalogue, so a route that lands later is drilled too.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
import msgspec
from litestar import Litestar

from backend.app import create_app
from backend.settings import Settings
from backend.wiring import Wiring
from tests.contract.callers import probe
from tests.contract.examples import variants
from tests.contract.routes import Operation
from tests.contract.runner import CODES, Send, Target, sender
from tests.services import Services
from tests.smoke.server import free_port


@dataclass(frozen=True)
class Answer:
    operation: Operation
    caller: str
    response: httpx.Response

    @property
    def code(self) -> str | None:
        if not self.response.headers.get("content-type", "").startswith("application/problem+json"):
            return None
        code = self.response.json().get("code")
        return code if isinstance(code, str) else None

    def __str__(self) -> str:
        return (
            f"{self.operation.key} as {self.caller}: {self.response.status_code} {self.response.text[:160]!r}"
        )


def start_sweep(
    send: Send, ops: Sequence[Operation], targets: dict[str, Target]
) -> list[asyncio.Task[Answer]]:
    """Every documented operation once, all at once, as the first caller it admits (one with a
    token, when it takes one), with an example body. Writes without input (a logout, a key rotation)
    are left out: they would act on the caller's session."""
    tasks = []
    for op in ops:
        if not op.documented or probe(op) is None:
            continue
        admitted = targets[op.key].admitted
        caller = next((c for c in admitted if not c.anonymous), admitted[0] if admitted else None)
        if caller is None:
            continue
        body = variants(op.body)[0][1] if op.body is not None and op.body_encoding == "json" else None
        headers = dict(caller.headers)
        if body is not None:
            headers["content-type"] = "application/json"
        content = msgspec.json.encode(body) if body is not None else None
        tasks.append(asyncio.create_task(_answer(send, op, caller.name, headers, content)))
    return tasks


async def _answer(
    send: Send, op: Operation, caller: str, headers: dict[str, str], content: bytes | None
) -> Answer:
    return Answer(op, caller, await send(op.method, op.path(), headers=headers, content=content))


async def sweep(send: Send, ops: Sequence[Operation], targets: dict[str, Target]) -> list[Answer]:
    return list(await asyncio.gather(*start_sweep(send, ops, targets)))


def outage_failures(answers: Sequence[Answer]) -> list[str]:
    """Answers an outage does not excuse: a 5xx other than 503, a 503 without a code of the catalogue
    or without Retry-After, an error that is not problem+json."""
    failures = []
    for answer in answers:
        status = answer.response.status_code
        if status < 400:
            continue
        if answer.code not in CODES:
            failures.append(f"{answer}: not a problem of the catalogue")
        elif status >= 500 and (status != 503 or "retry-after" not in answer.response.headers):
            failures.append(f"{answer}: a {status} during an outage must be a 503 with Retry-After")
    return failures


def felt(answers: Sequence[Answer], code: str) -> list[Answer]:
    return [a for a in answers if a.code == code]


class PrivateRedis:
    """A redis-server of the drill's own on a free port: ``stop()`` kills it, ``start()`` brings a
    fresh one back on the same port (what a Redis restart or failover looks like to the app)."""

    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        assert binary, "redis-server is installed by scripts/test.sh"
        self._binary = binary
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._proc: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        args = ["--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self._proc = await asyncio.create_subprocess_exec(
            self._binary, *args, stdout=asyncio.subprocess.DEVNULL
        )
        for _ in range(500):
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", self.port)
            except OSError:
                await asyncio.sleep(0.01)
                continue
            writer.close()
            return
        raise RuntimeError(f"redis-server did not listen on {self.port}")

    async def stop(self) -> None:
        if self._proc is not None:
            self._proc.kill()
            await self._proc.wait()
            self._proc = None


@asynccontextmanager
async def private_redis() -> AsyncIterator[PrivateRedis]:
    redis = PrivateRedis()
    await redis.start()
    try:
        yield redis
    finally:
        await redis.stop()


@asynccontextmanager
async def app_over(services: Services, settings: Settings) -> AsyncIterator[tuple[Litestar, Services]]:
    """The app built from ``settings`` over the session's database engine (piccolo binds one per
    process), with its own store, upstreams and background jobs, open for the block; and its
    services."""
    wiring = Wiring(settings, services.wiring.features, engine=services.engine)
    app = create_app(settings, features=wiring.features, wiring=wiring)
    async with wiring.lifespan():
        yield app, Services(wiring)


def bounded(client: httpx.AsyncClient) -> Send:
    """The catalogue's sender over one client: each request bounded, so a drill that hangs fails
    instead of stopping the suite."""

    @asynccontextmanager
    async def same() -> AsyncIterator[httpx.AsyncClient]:
        yield client

    return sender(same)


def with_redis(settings: Settings, url: str) -> Settings:
    return msgspec.structs.replace(settings, redis=msgspec.structs.replace(settings.redis, url=url))
