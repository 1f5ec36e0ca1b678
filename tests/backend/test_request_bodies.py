"""What every route with a JSON body holds to (``backend.web.ApiRequest``): the body must be sent as
JSON, so no web page can make a visitor's browser post one cross-site without a CORS preflight; a body
that can't be decoded is the client's 400; a client hanging up mid-body is a 499, not our 500."""

from __future__ import annotations

import logging
import os
import uuid

import httpx
import msgspec
import pytest
from litestar import Litestar, post
from litestar.params import JSONBody

from backend.scanner.service import DEVICE_SCOPE
from backend.web import ApiRequest
from tests.backend.citizen.factories import client_from, random_phone
from tests.services import Services


def _problem(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == code


JSON = {"content-type": "application/json"}


async def _outbox(client: httpx.AsyncClient, phone: str) -> list[object]:
    sent: list[object] = (await client.get("/_sandbox/sms/outbox", params={"phone": phone})).json()
    return sent


# What a cross-site <form> or fetch() may send without a preflight (Fetch standard, CORS-safelisted
# Content-Type values), and a body that names no type at all.
@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "text/plain; charset=utf-8",
        "application/x-www-form-urlencoded",
        "multipart/form-data",
        None,
    ],
)
async def test_a_json_route_refuses_a_body_that_is_not_sent_as_json(
    app: Litestar, content_type: str | None
) -> None:
    phone = random_phone()
    body = f'{{"phone": "{phone}", "purpose": "login"}}'.encode()
    headers = {"content-type": content_type} if content_type else {}
    async with client_from(app) as web:
        response = await web.post("/api/v1/auth/sms-codes", content=body, headers=headers)
        _problem(response, 415, "request.unsupported_media_type")
        assert await _outbox(web, phone) == []


async def test_the_mini_program_edge_refuses_a_plain_text_body_too(app: Litestar) -> None:
    async with client_from(app) as web:
        response = await web.post(
            "/mp/v1/wechat/login", content=b'{"code": "abc"}', headers={"content-type": "text/plain"}
        )
    _problem(response, 415, "request.unsupported_media_type")


@pytest.mark.parametrize(
    "content_type", ["application/json", "Application/JSON; charset=UTF-8", "application/merge-patch+json"]
)
async def test_json_and_structured_json_types_are_accepted(app: Litestar, content_type: str) -> None:
    phone = random_phone()
    async with client_from(app) as web:
        response = await web.post(
            "/api/v1/auth/sms-codes",
            content=f'{{"phone": "{phone}", "purpose": "login"}}'.encode(),
            headers={"content-type": content_type},
        )
        assert response.status_code == 202, response.text
        assert len(await _outbox(web, phone)) == 1


async def test_the_sandbox_twins_still_take_the_form_posts_their_real_systems_take(app: Litestar) -> None:
    # Alipay's gateway.do is a form post; its twin (an ASGI app of its own) reads bodies itself.
    async with client_from(app) as web:
        response = await web.post("/_sandbox/alipay/gateway.do", data={"method": "alipay.nothing"})
    assert response.status_code != 415
    assert "request.unsupported_media_type" not in response.text


def _count(services: Services, name: str, labels: dict[str, str]) -> float:
    value = services.metrics.registry.get_sample_value(name, {**labels, "worker": str(os.getpid())})
    return value or 0.0


def _internal_errors(services: Services) -> float:
    return _count(services, "suqian_domain_errors_total", {"code": "internal.error"})


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"[" * 5000 + b"]" * 5000, id="5000-deep arrays"),
        # Deep enough for the integral-number walk, not for the decoder (~990 levels here).
        pytest.param(b'{"a":' * 700 + b"1" + b"}" * 700, id="700-deep objects"),
        pytest.param(b'{"phone": "\xff\xfe13800000000", "purpose": "login"}', id="invalid UTF-8"),
        pytest.param(b'{"phone": "\xed\xa0\x80", "purpose": "login"}', id="UTF-8 encoded surrogate"),
    ],
)
async def test_an_undecodable_body_is_malformed_not_a_500(
    app: Litestar, services: Services, caplog: pytest.LogCaptureFixture, body: bytes
) -> None:
    before = _internal_errors(services)
    async with client_from(app) as web:
        response = await web.post(
            "/api/v1/auth/sms-codes", content=body, headers={"content-type": "application/json"}
        )
    _problem(response, 400, "request.malformed")
    assert _internal_errors(services) == before
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


async def test_a_client_hanging_up_mid_body_counts_as_499_not_as_our_500(
    app: Litestar, services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    route = {"method": "POST", "route": "/api/v1/auth/sms-codes"}
    before = {
        status: _count(services, "suqian_http_requests_total", {**route, "status": status})
        for status in ("499", "500")
    }
    errors_before = _internal_errors(services)
    arriving: list[dict[str, object]] = [
        {"type": "http.request", "body": b'{"phone": "1380', "more_body": True},
        {"type": "http.disconnect"},
    ]
    sent: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        return arriving.pop(0)

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/v1/auth/sms-codes",
        "raw_path": b"/api/v1/auth/sms-codes",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"testserver"),
            (b"content-type", b"application/json"),
            (b"content-length", b"48"),
        ],
        "client": ("10.9.8.7", 40000),
        "server": ("testserver", 80),
        "state": {},
    }
    await app(scope, receive, send)  # type: ignore[arg-type]
    after = {
        status: _count(services, "suqian_http_requests_total", {**route, "status": status})
        for status in ("499", "500")
    }
    assert after == {"499": before["499"] + 1, "500": before["500"]}
    assert _internal_errors(services) == errors_before
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


async def test_a_body_must_be_its_documented_types_not_what_lax_conversion_makes_of_it(
    client: httpx.AsyncClient, services: Services
) -> None:
    """schemathesis sent ``scanned_at: 0`` (the schema says a date-time string) and it was stored as
    1970-01-01; a number sent as a string was as good as a number."""
    token = await services.tokens.issue_access(
        "device",
        uuid.uuid4(),
        scopes=(DEVICE_SCOPE,),
        client_id="t",
        context={"scene": "library", "venue": "v"},
    )
    headers = {"authorization": f"Bearer {token.token}"}
    for scan in ({"code": "0", "scanned_at": 0}, {"code": 0, "scanned_at": "2026-12-02T06:00:00Z"}):
        response = await client.post("/api/v1/scanner/scans", json={"scans": [scan]}, headers=headers)
        assert response.status_code == 400, response.text
        assert response.json()["code"] == "request.invalid"
        assert response.json()["errors"][0]["key"].startswith("scans[0].")
    limit = await client.post("/api/v1/auth/sms-codes", json={"phone": 13800138000, "purpose": "login"})
    assert (limit.status_code, limit.json()["code"]) == (400, "request.invalid")


class _Rating(msgspec.Struct, forbid_unknown_fields=True):
    score: int
    weight: float = 1.0


@post("/rate", status_code=200)
async def _rate(data: JSONBody[_Rating]) -> dict[str, object]:
    return {"score": data.score, "kind": type(data.score).__name__, "weight": data.weight}


async def test_an_integral_number_is_an_integer_as_json_schema_reads_it() -> None:
    """schemathesis sent ``"score": 4.0`` for an ``integer``: JSON Schema counts any number with a zero
    fractional part as one, so the document said it was valid, and the strict check answered 400."""
    app = Litestar(route_handlers=[_rate], request_class=ApiRequest)
    async with client_from(app) as client:
        whole = await client.post("/rate", content=b'{"score": 4.0, "weight": 2}', headers=JSON)
        assert (whole.status_code, whole.json()) == (200, {"score": 4, "kind": "int", "weight": 2.0})
        exponent = await client.post("/rate", content=b'{"score": 4e0}', headers=JSON)
        assert exponent.json()["score"] == 4
        for refused in (b'{"score": 4.5}', b'{"score": "4"}', b'{"score": true}'):
            response = await client.post("/rate", content=refused, headers=JSON)
            assert response.status_code == 400, (refused, response.text)
