"""The bad-input catalogue against every operation of the app (PostgreSQL + Redis), as anonymous and as
each caller the route lets in: NUL, lone surrogates, overlong text, Unicode digits in ids, 10,000-deep
JSON, 1,000,000-element arrays, duplicate keys, wrong and missing content types, invalid UTF-8, huge
and many headers, huge query strings, malformed tokens. Every answer is a 4xx problem+json with a code
of the catalogue (the one the case names, when it names one): never a 5xx, never a hang.

The operations come from the app's route table (``tests.contract.routes``), the callers a route
admits from asking it (``tests.contract.callers``): a route that lands later is covered as it is.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import httpx
import pytest
from litestar import Litestar

from tests.backend.citizen.factories import client_from
from tests.backend.staff.factories import make_staff
from tests.contract.callers import Caller, admitted, mint_callers
from tests.contract.catalogue import (
    Case,
    body_cases,
    edge_cases,
    header_cases,
    path_cases,
    query_cases,
)
from tests.contract.routes import Operation, api_operations
from tests.contract.runner import Send, Target, bearer_runs, find_targets, judge, runs, sender
from tests.services import Services


@pytest.fixture(scope="module")
def send(app: Litestar) -> Send:
    @asynccontextmanager
    async def client() -> AsyncIterator[httpx.AsyncClient]:
        async with client_from(app) as web:
            yield web

    return sender(client)


@pytest.fixture(scope="module")
async def callers(app: Litestar, services: Services) -> list[Caller]:
    row, password = await make_staff(services, role="operator")
    async with client_from(app) as client:
        return await mint_callers(client, operator=(row.username, password))


@pytest.fixture(scope="module")
async def targets(app: Litestar, send: Send, callers: list[Caller]) -> dict[str, Target]:
    return await find_targets(send, api_operations(app), callers)


def _no_errors_logged(caplog: pytest.LogCaptureFixture) -> None:
    errors = [f"{r.name}: {r.getMessage()}" for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [], "\n".join(errors)


async def test_every_route_that_takes_input_is_reached_by_an_admitted_caller(
    app: Litestar, send: Send, callers: list[Caller]
) -> None:
    unreachable = []
    for op in api_operations(app):
        if not op.takes_input:
            continue
        let_in, seen = await admitted(send, op, callers)
        if not let_in:
            unreachable.append(f"{op.key}: {'; '.join(seen)}")
    assert unreachable == [], "no caller of the catalogue is let in: mint one in callers.py\n" + "\n".join(
        unreachable
    )


async def test_hostile_bodies_answer_4xx_problems(
    app: Litestar, send: Send, targets: dict[str, Target], caplog: pytest.LogCaptureFixture
) -> None:
    sent, failures = await judge(send, runs(api_operations(app), targets, body_cases))
    assert sent > 0
    assert failures == [], f"{len(failures)} of {sent}:\n" + "\n".join(failures)
    _no_errors_logged(caplog)


async def test_hostile_path_query_and_header_values_answer_4xx_problems(
    app: Litestar, send: Send, targets: dict[str, Target], caplog: pytest.LogCaptureFixture
) -> None:
    def build(op: Operation) -> Iterator[Case]:
        yield from path_cases(op)
        yield from query_cases(op)
        yield from header_cases(op)

    sent, failures = await judge(send, runs(api_operations(app), targets, build))
    assert sent > 0
    assert failures == [], f"{len(failures)} of {sent}:\n" + "\n".join(failures)
    _no_errors_logged(caplog)


async def test_oversized_requests_are_refused_before_any_route_runs(
    app: Litestar, send: Send, targets: dict[str, Target]
) -> None:
    sent, failures = await judge(send, runs(api_operations(app), targets, edge_cases))
    assert sent > 0
    assert failures == [], f"{len(failures)} of {sent}:\n" + "\n".join(failures)


async def test_malformed_tokens_answer_token_invalid_on_every_guarded_route(
    app: Litestar, send: Send, targets: dict[str, Target]
) -> None:
    sent, failures = await judge(send, bearer_runs(api_operations(app), targets))
    assert sent > 0
    assert failures == [], f"{len(failures)} of {sent}:\n" + "\n".join(failures)
