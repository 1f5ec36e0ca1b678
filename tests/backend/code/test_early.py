"""The citizen code's early answers (``backend/code/early.py``): a plain ``GET /api/v1/citizen-code``
and ``POST /api/v1/scanner/verify`` are answered before routing with the route's own answer, byte for
byte; every request the route would take differently still reaches it."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from functools import partial
from typing import Any

import httpx
import pytest
from litestar import Litestar

import backend.early
from backend.auth.principal import CITIZEN_SCOPES
from backend.code import early
from backend.code.service import CitizenCodeService
from backend.early import EarlyAnswers
from backend.observability.metrics import Metrics
from citizen_code import Reason
from tests.backend.code.factories import issued_code, make_citizen, make_scanner
from tests.backend.staff.factories import acting_token, bearer, operator_principal, staff_token
from tests.services import Services

CODE = "/api/v1/citizen-code"
VERIFY = "/api/v1/scanner/verify"
# What the early answers leave to the route: an Origin (CORS is Litestar's) makes the same request routed.
ROUTED = {"origin": "https://app.example"}


@pytest.fixture
def answered_early(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths an early answer answered (each still answers: this only records)."""
    answered: list[str] = []

    def spy(send: Callable[..., Any]) -> Callable[..., Any]:
        async def recorded(scope: Any, *args: Any, **kwargs: Any) -> None:
            answered.append(scope["path"])
            await send(scope, *args, **kwargs)

        return recorded

    monkeypatch.setattr(early, "send_answer", spy(backend.early.send_answer))  # the routes' answers
    monkeypatch.setattr(backend.early, "send_answer", spy(backend.early.send_answer))  # their failures
    return answered


def _same(early_answer: httpx.Response, routed: httpx.Response) -> None:
    assert early_answer.status_code == routed.status_code
    assert early_answer.content == routed.content
    assert {k: v for k, v in early_answer.headers.items() if k != "date"} == {
        k: v for k, v in routed.headers.items() if k != "date"
    }


async def test_a_plain_code_request_is_answered_early_as_the_route_answers(
    client: httpx.AsyncClient, services: Services, answered_early: list[str]
) -> None:
    citizen = await make_citizen(services)
    first = await client.get(CODE, headers=citizen.headers | {"x-request-id": "code-1"})
    assert answered_early == [CODE]
    routed = await client.get(CODE, headers=citizen.headers | ROUTED | {"x-request-id": "code-1"})
    assert answered_early == [CODE]
    assert first.status_code == routed.status_code == 200
    assert first.headers["cache-control"] == "no-store"
    assert first.headers["x-request-id"] == "code-1"  # inside the request context
    # Two codes differ (each is freshly signed); everything around them is the same.
    assert set(first.json()) == set(routed.json()) == {"code", "issued_at", "expires_at", "refresh_in"}
    assert len(first.json()["code"]) == len(routed.json()["code"])
    assert {k: v for k, v in first.headers.items() if k not in ("date", "content-length")} == {
        k: v for k, v in routed.headers.items() if k not in ("date", "content-length")
    }
    code = first.json()["code"]
    scanner = await make_scanner(services)
    passed = await client.post(VERIFY, json={"code": code}, headers=scanner.headers)
    assert (passed.json()["decision"], passed.json()["reason"]) == ("pass", "ok")


async def test_a_plain_verify_is_answered_early_byte_for_byte_as_the_route(
    client: httpx.AsyncClient, services: Services, answered_early: list[str]
) -> None:
    citizen, scanner = await make_citizen(services), await make_scanner(services, scene="bus")
    one, other = await issued_code(client, citizen), await issued_code(client, citizen)
    answered_early.clear()
    same_id = {"x-request-id": "gate-1"}
    passed = await client.post(VERIFY, json={"code": one}, headers=scanner.headers | same_id)
    routed = await client.post(VERIFY, json={"code": other}, headers=scanner.headers | ROUTED | same_id)
    assert answered_early == [VERIFY]
    assert passed.json()["decision"] == "pass"
    _same(passed, routed)  # two codes of one citizen at one scene: the same pseudonym, the same answer
    # One replay claim whichever answers: each code is now used up, on either path.
    replayed = await client.post(VERIFY, json={"code": other}, headers=scanner.headers | same_id)
    replayed_routed = await client.post(
        VERIFY, json={"code": one}, headers=scanner.headers | ROUTED | same_id
    )
    assert replayed.json()["reason"] == Reason.REPLAYED
    _same(replayed, replayed_routed)
    garbage = await client.post(VERIFY, json={"code": "SQ1:%%%"}, headers=scanner.headers | same_id)
    garbage_routed = await client.post(
        VERIFY, json={"code": "SQ1:%%%"}, headers=scanner.headers | ROUTED | same_id
    )
    assert garbage.json()["reason"] == Reason.MALFORMED
    _same(garbage, garbage_routed)
    assert answered_early == [VERIFY] * 3


async def test_the_services_refusals_are_the_routes_problems(
    client: httpx.AsyncClient, services: Services, answered_early: list[str]
) -> None:
    # The issuance cap (429 with Retry-After), raised by the service after the early route took it.
    citizen = await make_citizen(services)
    limit = services.code_settings.issue_burst
    for _ in range(limit):
        assert (await client.get(CODE, headers=citizen.headers)).status_code == 200
    same_id = {"x-request-id": "cap-1"}
    capped = await client.get(CODE, headers=citizen.headers | same_id)
    capped_routed = await client.get(CODE, headers=citizen.headers | ROUTED | same_id)
    assert capped.status_code == 429
    assert capped.json()["code"] == "code.issue_rate_limited"
    assert "retry-after" in capped.headers
    _same(capped, capped_routed)
    # A revoked scanner: its token passes the guard's deferred check; the service refuses it.
    scanner = await make_scanner(services)
    code = await issued_code(client, await make_citizen(services))
    await services.scanner.revoke(scanner.id, by=operator_principal())
    answered_early.clear()
    refused = await client.post(VERIFY, json={"code": code}, headers=scanner.headers | same_id)
    refused_routed = await client.post(
        VERIFY, json={"code": code}, headers=scanner.headers | ROUTED | same_id
    )
    assert answered_early == [VERIFY]
    assert (refused.status_code, refused.json()["code"]) == (401, "auth.token_revoked")
    _same(refused, refused_routed)


async def test_an_unexpected_failure_is_the_apps_logged_500(
    client: httpx.AsyncClient,
    services: Services,
    answered_early: list[str],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    citizen = await make_citizen(services)

    async def broken(self: CitizenCodeService, citizen_id: uuid.UUID) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr(CitizenCodeService, "issue", broken)
    same_id = {"x-request-id": "bug-1"}
    with caplog.at_level(logging.ERROR):
        failed = await client.get(CODE, headers=citizen.headers | same_id)
    assert answered_early == [CODE]
    assert any(record.exc_info and "a bug" in str(record.exc_info[1]) for record in caplog.records)
    routed = await client.get(CODE, headers=citizen.headers | ROUTED | same_id)
    assert (failed.status_code, failed.json()["code"]) == (500, "internal.error")
    assert "a bug" not in failed.text
    _same(failed, routed)


async def test_what_the_route_would_take_differently_goes_to_the_route(
    app: Litestar, client: httpx.AsyncClient, services: Services, answered_early: list[str]
) -> None:
    citizen, scanner = await make_citizen(services), await make_scanner(services)
    code = await issued_code(client, citizen)
    answered_early.clear()
    tokens = services.tokens
    acting = await acting_token(services)
    someone = uuid.uuid4()
    revoked = await tokens.issue_access("citizen", someone, scopes=CITIZEN_SCOPES, client_id="app")
    await tokens.revoke_subject("citizen", someone)
    operator = bearer(await staff_token(app, services, role="operator"))
    body = {"code": code}
    raw = f'{{"code": "{code}", "code": "{code}"}}'
    as_json = scanner.headers | {"content-type": "application/json"}
    get, post = partial(client.get, CODE), partial(client.post, VERIFY)
    # A body over the early limit that the route still takes: a code's digits written as \u escapes.
    escaped = '{"code": "SQ1:' + "\\u0030" * 400 + '"}'
    cases = {
        "code, no token": (get(), 401, "auth.token_missing"),
        "code, a forged token": (get(headers=bearer("x.y.z")), 401, "auth.token_invalid"),
        "code, a revoked token": (get(headers=bearer(revoked.token)), 401, "auth.token_revoked"),
        "code, a staff token": (get(headers=operator), 403, "auth.wrong_principal_kind"),
        "code, a scanner's token": (get(headers=scanner.headers), 403, "auth.wrong_principal_kind"),
        "code, acting": (get(headers=bearer(acting)), 403, "auth.acting_not_admitted"),
        "verify, no token": (post(json=body), 401, "auth.token_missing"),
        "verify, a citizen's token": (
            post(json=body, headers=citizen.headers),
            403,
            "auth.wrong_principal_kind",
        ),
        "verify, a member twice": (post(content=raw, headers=as_json), 400, "request.duplicate_key"),
        "verify, an unknown member": (
            post(json=body | {"gate": 1}, headers=scanner.headers),
            400,
            "request.invalid",
        ),
        "verify, broken JSON": (post(content=b'{"code": ', headers=as_json), 400, "request.malformed"),
        "verify, JSON said to be text": (
            post(json=body, headers=scanner.headers | {"content-type": "text/plain"}),
            415,
            "request.unsupported_media_type",
        ),
    }
    assert len(escaped) > early.GateVerifyEarly.max_body
    over = await post(content=escaped, headers=as_json)
    assert (over.status_code, over.json()["reason"]) == (200, Reason.MALFORMED)  # the route's answer
    for what, (call, status, problem) in cases.items():
        answer = await call
        assert (answer.status_code, answer.json()["code"]) == (status, problem), (what, answer.text)
    assert answered_early == []
    # The same plain request with a query string or an Origin is the route's, answered the same.
    for extra in ({"params": {"x": "1"}}, {"headers": citizen.headers | ROUTED}):
        kwargs: dict[str, Any] = {"headers": citizen.headers, **extra}
        assert (await client.get(CODE, **kwargs)).status_code == 200
    verified = await client.post(VERIFY, json=body, headers=scanner.headers, params={"x": "1"})
    assert verified.json()["decision"] == "pass"
    assert answered_early == []


async def _raw(app: Litestar, method: str, path: str, headers: list[tuple[bytes, bytes]], body: bytes) -> Any:
    """One request straight through the app's ASGI handler (headers as sent, unchecked): status, body."""
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
        "path": path, "raw_path": path.encode(), "root_path": "", "query_string": b"",
        "headers": [(b"host", b"testserver"), *headers], "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80), "state": {},
    }  # fmt: skip
    await app(scope, receive, send)  # type: ignore[arg-type]
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    return status, json.loads(b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body"))


async def test_headers_the_early_answers_do_not_expect_are_the_routes(
    app: Litestar, client: httpx.AsyncClient, services: Services, answered_early: list[str]
) -> None:
    citizen, scanner = await make_citizen(services), await make_scanner(services)
    code = await issued_code(client, citizen)
    answered_early.clear()
    body = json.dumps({"code": code}).encode()
    scan = [
        (b"authorization", scanner.headers["authorization"].encode()),
        (b"content-type", b"application/json"),
    ]
    # A Content-Length of thousands of digits (more than int() reads): the route's refusal, not a 500.
    huge = [*scan, (b"content-length", b"0" * 5000 + str(len(body)).encode())]
    status, problem = await _raw(app, "POST", VERIFY, huge, body)
    assert status in (400, 413), problem
    # Content-Type given twice: the framework reads the first (not JSON: 415), and so the route answers.
    twice = [*scan[:1], (b"content-type", b"application/x"), (b"content-type", b"text/y+json")]
    status, problem = await _raw(
        app, "POST", VERIFY, [*twice, (b"content-length", str(len(body)).encode())], body
    )
    assert (status, problem["code"]) == (415, "request.unsupported_media_type")
    # A code request with a body (a GET carries none): the route's, which ignores it.
    with_body = [(b"authorization", citizen.headers["authorization"].encode()), (b"content-length", b"2")]
    status, answer = await _raw(app, "GET", CODE, with_body, b"{}")
    assert status == 200
    assert set(answer) == {"code", "issued_at", "expires_at", "refresh_in"}
    assert answered_early == []
    # A plain one after them: early, counted and logged under the route's own path.
    assert (await client.post(VERIFY, json={"code": code}, headers=scanner.headers)).status_code == 200
    assert answered_early == [VERIFY]
    metrics = (await client.get("/metrics")).text
    assert f'suqian_http_requests_total{{method="POST",route="{VERIFY}",status="200",' in metrics


def test_an_early_route_that_reads_more_than_the_app_takes_is_off(
    app: Litestar, caplog: pytest.LogCaptureFixture
) -> None:
    route = early.GateVerifyEarly.__new__(early.GateVerifyEarly)
    answers = EarlyAnswers(app.asgi_handler, [route], metrics=Metrics())
    answers.check(app)  # the app takes 1 MiB
    assert answers.routes == {("POST", VERIFY): route}
    takes = app.request_max_body_size
    app.request_max_body_size = early.GateVerifyEarly.max_body - 1
    try:
        with caplog.at_level(logging.WARNING, logger="backend.early"):
            answers.check(app)
    finally:
        app.request_max_body_size = takes
    assert answers.routes == {}  # every verify goes to the route, which refuses what the app refuses
    assert "reads bodies up to 2048 bytes, the app takes 2047" in caplog.text
