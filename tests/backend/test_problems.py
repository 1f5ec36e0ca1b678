"""Every error leaves the API as RFC 9457 problem+json with a stable code, never a bare 500."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import httpx
import msgspec
import pytest
from litestar import post
from litestar.params import FromPath, JSONBody

from backend.access import ANYONE
from backend.errors import Conflict, Forbidden, Invalid, NotFound, RateLimited, Unauthenticated, Unavailable
from backend.settings import Settings
from integrations import UpstreamRejected, UpstreamUnavailable
from tests.backend.conftest import http_client
from tests.services import Services, app_with

# The probe raises made-up codes of every kind, which no route could declare: the mapping is the point.
pytestmark = pytest.mark.undeclared_problems


class Greeting(msgspec.Struct):
    name: str
    age: int


@post("/_test/echo", sync_to_thread=False, access=ANYONE)
def echo(data: JSONBody[Greeting]) -> Greeting:
    return data


@post("/_test/raise/{kind:str}", sync_to_thread=False, access=ANYONE)
def raise_kind(kind: FromPath[str]) -> None:
    errors = {
        "not_found": NotFound("thing.not_found", "no such thing"),
        "conflict": Conflict("thing.exists", "already there"),
        "forbidden": Forbidden("thing.forbidden", "not yours"),
        "unauthenticated": Unauthenticated("auth.token_invalid", "log in again"),
        "invalid": Invalid("thing.invalid", "breaks a rule", extra={"field": "x"}),
        "unavailable": Unavailable("upstream.down", "try later", retry_after=7),
        "rate_limited": RateLimited("auth.too_many", "slow down", retry_after=30),
    }
    if kind == "boom":
        raise RuntimeError("secret internals: password=hunter2")
    if kind == "upstream_down":
        raise UpstreamUnavailable(system="population", operation="verify", reason="timeout")
    if kind == "upstream_refused":
        raise UpstreamRejected(system="credit", operation="query", code="E1001")
    raise errors[kind]


@pytest.fixture(scope="module")
async def problem_client(settings: Settings, services: Services) -> AsyncIterator[httpx.AsyncClient]:
    small = msgspec.structs.replace(
        settings, http=msgspec.structs.replace(settings.http, max_body_bytes=1024)
    )
    app = app_with(services, echo, raise_kind, settings=small)
    async with http_client(app) as client:
        yield client


def _assert_problem(response: object, status: int, code: str) -> dict[str, object]:
    assert response.status_code == status  # type: ignore[attr-defined]
    assert response.headers["content-type"].startswith("application/problem+json")  # type: ignore[attr-defined]
    body: dict[str, object] = response.json()  # type: ignore[attr-defined]
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"] == f"urn:suqian:problem:{code}"
    assert body["title"]
    assert body["request_id"] == response.headers["x-request-id"]  # type: ignore[attr-defined]
    return body


async def test_unknown_route_is_a_not_found_problem(problem_client: httpx.AsyncClient) -> None:
    response = await problem_client.get("/api/v1/nowhere")
    _assert_problem(response, 404, "request.not_found")


async def test_wrong_method_is_a_method_not_allowed_problem(
    problem_client: httpx.AsyncClient,
) -> None:
    response = await problem_client.delete("/health/live")
    _assert_problem(response, 405, "request.method_not_allowed")


async def test_malformed_json_body_is_a_malformed_problem(problem_client: httpx.AsyncClient) -> None:
    response = await problem_client.post(
        "/_test/echo", content=b'{"name": "Li", "age": ', headers={"content-type": "application/json"}
    )
    _assert_problem(response, 400, "request.malformed")


async def test_body_failing_validation_names_the_field(problem_client: httpx.AsyncClient) -> None:
    response = await problem_client.post("/_test/echo", json={"name": "Li", "age": "old"})
    body = _assert_problem(response, 400, "request.invalid")
    assert "age" in str(body.get("errors")) + str(body.get("detail"))


async def test_valid_body_round_trips(problem_client: httpx.AsyncClient) -> None:
    response = await problem_client.post("/_test/echo", json={"name": "Li", "age": 30})
    assert response.status_code == 201
    assert response.json() == {"name": "Li", "age": 30}


async def test_oversized_body_is_a_too_large_problem(problem_client: httpx.AsyncClient) -> None:
    response = await problem_client.post(
        "/_test/echo",
        content=b'{"name": "' + b"x" * 4096 + b'", "age": 1}',
        headers={"content-type": "application/json"},
    )
    _assert_problem(response, 413, "request.too_large")


async def test_a_body_that_stops_arriving_is_a_timeout_problem(
    settings: Settings, services: Services
) -> None:
    impatient = msgspec.structs.replace(
        settings, http=msgspec.structs.replace(settings.http, body_read_timeout=0.2)
    )

    async def trickle() -> AsyncIterator[bytes]:
        yield b'{"name": "A'
        await asyncio.sleep(5)  # the client stalls mid-body, as a slowloris does
        yield b'", "age": 3}'

    async with http_client(app_with(services, echo, settings=impatient)) as client:
        started = time.monotonic()
        response = await client.post(
            "/_test/echo", content=trickle(), headers={"content-type": "application/json"}
        )
    assert time.monotonic() - started < 2
    body = _assert_problem(response, 408, "request.timeout")
    assert body["detail"] == "The request body did not arrive within 0.2 s"
    assert response.headers["connection"] == "close"


@pytest.mark.parametrize(
    ("kind", "status", "code"),
    [
        ("not_found", 404, "thing.not_found"),
        ("conflict", 409, "thing.exists"),
        ("forbidden", 403, "thing.forbidden"),
        ("unauthenticated", 401, "auth.token_invalid"),
        ("invalid", 422, "thing.invalid"),
        ("unavailable", 503, "upstream.down"),
        ("rate_limited", 429, "auth.too_many"),
    ],
)
async def test_domain_error_kinds_map_to_their_status(
    problem_client: httpx.AsyncClient, kind: str, status: int, code: str
) -> None:
    response = await problem_client.post(f"/_test/raise/{kind}")
    _assert_problem(response, status, code)


async def test_unavailable_tells_the_client_when_to_retry(problem_client: httpx.AsyncClient) -> None:
    response = await problem_client.post("/_test/raise/rate_limited")
    assert response.headers["retry-after"] == "30"


async def test_unexpected_error_is_a_500_problem_without_internals(
    problem_client: httpx.AsyncClient,
) -> None:
    response = await problem_client.post("/_test/raise/boom")
    body = _assert_problem(response, 500, "internal.error")
    assert "hunter2" not in response.text
    assert "RuntimeError" not in str(body)


async def test_unmapped_upstream_unavailability_is_a_503_not_a_500(
    problem_client: httpx.AsyncClient,
) -> None:
    response = await problem_client.post("/_test/raise/upstream_down")
    body = _assert_problem(response, 503, "upstream.unavailable")
    assert response.headers["retry-after"] == "5"
    assert body["detail"] == "population could not complete the request"


async def test_unmapped_upstream_rejection_is_a_502(problem_client: httpx.AsyncClient) -> None:
    response = await problem_client.post("/_test/raise/upstream_refused")
    _assert_problem(response, 502, "upstream.rejected")
