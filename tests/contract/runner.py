"""Sending catalogue cases and judging the answers: a 4xx problem+json with a code of the catalogue
(the one expected, when the case names it), never a 5xx, never a hang."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from backend.problem_codes import catalogue
from tests.contract.callers import ANONYMOUS, Caller, admitted
from tests.contract.catalogue import Case, bearer_cases
from tests.contract.routes import Operation

# Seconds a request may take before the test calls it a hang: far above any deadline of the app,
# only there so a hang fails the test instead of stopping the suite. Not a performance assertion.
BOUND = 30.0
CODES = frozenset(entry.code for entry in catalogue())
Headers = Mapping[str, str | bytes] | Sequence[tuple[str, str | bytes]]


class Send(Protocol):
    async def __call__(
        self,
        method: str,
        target: str,
        *,
        headers: Headers = (),
        content: bytes | None = None,
        chunked: bool = False,
    ) -> httpx.Response: ...


def sender(client_for: Any) -> Send:
    """``client_for()``: an async context manager giving an ``httpx.AsyncClient`` (one per request
    in-process, so each comes from an address of its own and no per-address limit trips)."""

    async def send(
        method: str,
        target: str,
        *,
        headers: Headers = (),
        content: bytes | None = None,
        chunked: bool = False,
    ) -> httpx.Response:
        body: bytes | AsyncIterator[bytes] | None = content
        if chunked and content is not None:
            body = _chunks(content)
        context: AbstractAsyncContextManager[httpx.AsyncClient] = client_for()
        async with context as client:
            request = client.build_request(method, target, headers=_raw(headers), content=body)
            return await asyncio.wait_for(client.send(request), BOUND)

    return send


def _raw(headers: Headers) -> list[tuple[bytes, bytes]]:
    items = headers.items() if isinstance(headers, Mapping) else headers
    return [(name.encode(), value.encode() if isinstance(value, str) else value) for name, value in items]


async def _chunks(content: bytes, size: int = 65_536) -> AsyncIterator[bytes]:
    for start in range(0, len(content), size):
        yield content[start : start + size]


@dataclass(frozen=True)
class Target:
    """One operation's callers: who may call it (found by asking), and whether anonymous may."""

    admitted: tuple[Caller, ...]
    guarded: bool


async def find_targets(send: Send, ops: Sequence[Operation], callers: Sequence[Caller]) -> dict[str, Target]:
    found: dict[str, Target] = {}
    for op in ops:
        let_in, seen = await admitted(send, op, callers)
        found[op.key] = Target(tuple(let_in), guarded=bool(seen) and ANONYMOUS not in let_in)
    return found


def runs(
    ops: Sequence[Operation],
    targets: Mapping[str, Target],
    build: Callable[[Operation], Iterable[Case]],
    *,
    anyone: Sequence[Caller] | None = None,
) -> Iterator[tuple[Case, Caller, bool]]:
    """Each case of ``build(op)`` as anonymous and as a caller ``op`` admits with a token (the first:
    the input is judged before who sent it matters), or as each of ``anyone``."""
    for op in ops:
        target = targets[op.key]
        who = list(anyone) if anyone is not None else [ANONYMOUS]
        if anyone is None:
            who += [c for c in target.admitted if not c.anonymous][:1]
        for case in build(op):
            for caller in who:
                yield case, caller, target.guarded


def bearer_runs(
    ops: Sequence[Operation], targets: Mapping[str, Target]
) -> Iterator[tuple[Case, Caller, bool]]:
    """The malformed-token cases, on every documented guarded route."""
    for op in ops:
        if targets[op.key].guarded and op.documented:
            for case in bearer_cases(op):
                yield case, ANONYMOUS, False


def verdict(
    case: Case,
    caller: Caller,
    guarded: bool,
    response: httpx.Response,
    *,
    bare: Callable[[Case], bool] = lambda _: False,
) -> str | None:
    """Why ``response`` breaks the contract, or None. ``bare``: names of cases the HTTP server itself
    refuses before the app runs, with a status and no problem body."""
    status = response.status_code
    label = f"{case.operation.key} [{case.name}] as {caller.name}"
    if case.meta.get("judged") and 200 <= status < 300:
        return None
    if not 400 <= status < 500:
        return f"{label}: {status} {response.text[:200]!r}"
    problem = response.headers.get("content-type", "").startswith("application/problem+json")
    if not problem and bare(case):
        return None
    if not case.operation.documented:
        return None  # Litestar's docs UI and /metrics: a 4xx is all they owe
    if not problem:
        return f"{label}: {status} {response.headers.get('content-type')} is not problem+json"
    code = response.json().get("code")
    if code not in CODES:
        return f"{label}: {status} code {code!r} is not in the catalogue"
    expect = case.expect
    if expect is not None and caller.anonymous and guarded and not case.meta.get("edge"):
        expect = expect | {"auth.token_missing"}
    if expect is not None and code not in expect:
        return f"{label}: {status} {code}, expected {' or '.join(sorted(expect))}"
    return None


async def judge(
    send: Send,
    runs: Iterable[tuple[Case, Caller, bool]],
    *,
    concurrency: int = 8,
    bare: Callable[[Case], bool] = lambda _: False,
) -> tuple[int, list[str]]:
    """Send every ``(case, caller, guarded)`` and return how many were sent and the failures."""
    gate = asyncio.Semaphore(concurrency)
    failures: list[str] = []

    async def one(case: Case, caller: Caller, guarded: bool) -> None:
        headers: list[tuple[str, str | bytes]] = list(case.headers)
        if case.authenticated:
            headers = [*caller.headers.items(), *headers]
        async with gate:
            try:
                response = await send(
                    case.operation.method,
                    case.target,
                    headers=headers,
                    content=case.content,
                    chunked=case.chunked,
                )
            except TimeoutError:
                failures.append(
                    f"{case.operation.key} [{case.name}] as {caller.name}: no answer in {BOUND:g} s"
                )
                return
            except (OSError, httpx.TransportError) as exc:
                failures.append(f"{case.operation.key} [{case.name}] as {caller.name}: {exc!r}")
                return
        problem = verdict(case, caller, guarded, response, bare=bare)
        if problem:
            failures.append(problem)

    listed = list(runs)
    await asyncio.gather(*(one(*run) for run in listed))
    return len(listed), sorted(failures)
