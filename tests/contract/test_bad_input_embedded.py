"""The bad-input catalogue against the real server on the embedded default (``suqian serve``: granian,
SQLite, the in-process store), byte for byte over a socket: what the HTTP server does with a hostile
request before the app sees it is part of the answer, and SQLite is the storage under the routes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from litestar import Litestar

from tests.contract.callers import mint_callers
from tests.contract.catalogue import (
    MANY_HEADERS,
    Case,
    body_cases,
    edge_cases,
    header_cases,
    path_cases,
    query_cases,
)
from tests.contract.routes import Operation, api_operations
from tests.contract.runner import bearer_runs, find_targets, judge, runs
from tests.contract.wire import wire_sender
from tests.smoke.server import printed_passwords, serve

pytestmark = pytest.mark.embedded


# Refused by granian's HTTP/1 parser (hyper) before the app is called, with a bare 4xx and no problem
# body, and granian offers no setting to hand them over: more than 100 header fields (431; our own
# limit is the same, ``backend.edge``), and a NUL or another control character in a header value (400,
# RFC 9110 §5.5 forbids them; the in-process run shows what the app itself answers).
def _server_refuses(case: Case) -> bool:
    control = case.name.endswith((": NUL", ": control character"))
    return case.name == MANY_HEADERS or (control and case.name.startswith(("header ", "bearer: ")))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    data_dir = tmp_path_factory.mktemp("catalogue")
    with serve(data_dir) as base:
        yield base, data_dir


@pytest.fixture(scope="module")
def ops_of(app: Litestar) -> list[Operation]:
    """The operations the server has: ``suqian serve`` runs the same feature list as the session's app
    (``miniprogram_api.app.FEATURES``); only its storage differs."""
    return api_operations(app)


def _everything(op: Operation) -> Iterator[Case]:
    yield from body_cases(op)
    yield from path_cases(op)
    yield from query_cases(op)
    yield from header_cases(op)


async def test_the_real_server_answers_every_hostile_request_with_a_4xx(
    server: tuple[str, Path], ops_of: list[Operation]
) -> None:
    base, data_dir = server
    (password,) = printed_passwords(data_dir)
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        callers = await mint_callers(client, operator=("admin", password))
    send = wire_sender(base)
    targets = await find_targets(send, ops_of, callers)
    sent, failures = await judge(
        send, runs(ops_of, targets, _everything), concurrency=4, bare=_server_refuses
    )
    sent_bearer, bearer_failures = await judge(
        send, bearer_runs(ops_of, targets), concurrency=4, bare=_server_refuses
    )
    edge_sent, edge_failures = await judge(
        send, runs(ops_of, targets, edge_cases), concurrency=4, bare=_server_refuses
    )
    total = sent + sent_bearer + edge_sent
    every = failures + bearer_failures + edge_failures
    assert sent
    assert sent_bearer
    assert edge_sent
    assert every == [], f"{len(every)} of {total}:\n" + "\n".join(every)
