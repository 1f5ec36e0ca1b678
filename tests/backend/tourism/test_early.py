"""The sold-out early answer (``tourism/controller/early.py``): once this worker has seen a slot's
flag, a loser's hold is refused before routing with the route's own answer — and only then. Every
request the route would answer otherwise still reaches it."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import httpx
import pytest
from litestar import Litestar

from backend.access import ANYONE
from backend.auth.guards import CITIZEN
from backend.auth.principal import CITIZEN_SCOPES
from backend.early import EarlyAnswers, EarlyRoute
from backend.observability.metrics import Metrics
from backend.observability.middleware import BodyReadTimeout
from backend.tourism import flags as flags_module
from backend.tourism.controller.early import SoldOutEarly
from backend.tourism.service import TourismService
from tests.backend.citizen.factories import bearer
from tests.backend.staff.factories import acting_token, citizen_token, staff_token
from tests.backend.tourism.factories import World, make_spot, make_visitor, tourism
from tests.services import Services

HOLDS = "/api/v1/tourism/holds"


def _hold(world: World, visitor: uuid.UUID) -> dict[str, Any]:
    return {
        "slot_id": str(world.slot.id),
        "tickets": [{"visitor_id": str(visitor), "product_id": str(world.adult.id)}],
    }


async def _buyer(services: Services) -> tuple[dict[str, str], uuid.UUID]:
    citizen_id, visitor = await make_visitor(services)
    return bearer(await citizen_token(services, citizen_id)), visitor


async def _sold_out(services: Services, client: httpx.AsyncClient) -> World:
    """A slot of one place, held; the next buyer finds it full and the flag is set (and mirrored)."""
    world = await make_spot(services, capacity=1)
    headers, visitor = await _buyer(services)
    assert (await client.post(HOLDS, json=_hold(world, visitor), headers=headers)).status_code == 201
    headers, visitor = await _buyer(services)
    refused = await client.post(HOLDS, json=_hold(world, visitor), headers=headers)
    assert refused.json()["code"] == "tourism.sold_out", refused.text
    assert tourism(services).flags.known_sold_out(world.slot.id)
    return world


class _RouteReached(Exception):
    pass


@pytest.fixture
def route_spy(monkeypatch: pytest.MonkeyPatch) -> list[uuid.UUID]:
    """The slots the route's ``hold`` was asked for (it still runs: this only records)."""
    asked: list[uuid.UUID] = []
    hold = TourismService.hold

    async def spy(
        self: TourismService, citizen_id: uuid.UUID, slot_id: uuid.UUID, *args: Any, **kwargs: Any
    ) -> Any:
        asked.append(slot_id)
        return await hold(self, citizen_id, slot_id, *args, **kwargs)

    monkeypatch.setattr(TourismService, "hold", spy)
    return asked


async def test_a_loser_at_a_flagged_slot_gets_the_routes_answer_without_the_route(
    services: Services, client: httpx.AsyncClient, route_spy: list[uuid.UUID]
) -> None:
    world = await _sold_out(services, client)
    by_route = world.slot.id
    headers, visitor = await _buyer(services)
    early = await client.post(
        HOLDS, json=_hold(world, visitor), headers=headers | {"x-request-id": "early-1"}
    )
    assert route_spy == [by_route, by_route]  # the two of ``_sold_out``: the route was not asked again
    assert early.status_code == 409
    assert early.headers["content-type"] == "application/problem+json"
    assert early.headers["x-request-id"] == "early-1"  # inside the request context
    assert early.json() == {
        "type": "urn:suqian:problem:tourism.sold_out",
        "title": "Conflict",
        "status": 409,
        "code": "tourism.sold_out",
        "detail": "This slot is sold out",
        "instance": HOLDS,
        "request_id": "early-1",
    }


async def test_the_early_answer_is_byte_for_byte_the_routes(
    services: Services, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = await _sold_out(services, client)
    headers, visitor = await _buyer(services)
    body = _hold(world, visitor)
    early = await client.post(HOLDS, json=body, headers=headers | {"x-request-id": "same"})
    monkeypatch.setattr(tourism(services).flags, "known_sold_out", lambda slot: False)
    routed = await client.post(HOLDS, json=body, headers=headers | {"x-request-id": "same"})
    assert routed.status_code == early.status_code == 409
    assert routed.content == early.content
    assert {k: v for k, v in routed.headers.items() if k != "date"} == {
        k: v for k, v in early.headers.items() if k != "date"
    }


async def test_what_the_route_would_answer_otherwise_goes_to_the_route(
    app: Litestar, services: Services, client: httpx.AsyncClient, route_spy: list[uuid.UUID]
) -> None:
    world = await _sold_out(services, client)
    headers, visitor = await _buyer(services)
    body = _hold(world, visitor)
    ticket = f'{{"visitor_id": "{visitor}", "product_id": "{world.adult.id}"}}'
    raw = f'{{"slot_id": "{world.slot.id}", "slot_id": "{world.slot.id}", "tickets": [{ticket}]}}'
    staff = bearer(await staff_token(app, services, role="operator"))
    cases = {
        "no token": (partial(client.post, HOLDS, json=body), 401, "auth.token_missing"),
        "a forged token": (
            partial(client.post, HOLDS, json=body, headers={"authorization": "Bearer x.y.z"}),
            401,
            "auth.token_invalid",
        ),
        "a staff token": (
            partial(client.post, HOLDS, json=body, headers=staff),
            403,
            "auth.wrong_principal_kind",
        ),
        "a body with a member twice": (
            partial(client.post, HOLDS, content=raw, headers=headers | {"content-type": "application/json"}),
            400,
            "request.duplicate_key",
        ),
        "a body of the wrong type": (
            partial(client.post, HOLDS, json=body | {"tickets": []}, headers=headers),
            400,
            "request.invalid",
        ),
        "not JSON": (
            partial(client.post, HOLDS, content=b"slot", headers=headers | {"content-type": "text/plain"}),
            415,
            "request.unsupported_media_type",
        ),
    }
    for what, (call, status, code) in cases.items():
        answer = await call()
        assert (answer.status_code, answer.json()["code"]) == (status, code), (what, answer.text)
    assert route_spy == [world.slot.id, world.slot.id]  # the two of ``_sold_out``; none of these got there


async def test_a_retry_with_its_idempotency_key_answers_its_first_response(
    services: Services, client: httpx.AsyncClient
) -> None:
    world = await make_spot(services, capacity=1)
    headers, visitor = await _buyer(services)
    keyed = headers | {"idempotency-key": str(uuid.uuid4())}
    first = await client.post(HOLDS, json=_hold(world, visitor), headers=keyed)
    assert first.status_code == 201
    other, other_visitor = await _buyer(services)
    assert (await client.post(HOLDS, json=_hold(world, other_visitor), headers=other)).status_code == 409
    assert tourism(services).flags.known_sold_out(world.slot.id)
    again = await client.post(HOLDS, json=_hold(world, visitor), headers=keyed)
    assert (again.status_code, again.json()) == (201, first.json())  # the ticket, not "sold out"


async def test_places_coming_back_reach_the_next_buyer_at_once(
    services: Services, client: httpx.AsyncClient
) -> None:
    world = await make_spot(services, capacity=1)
    headers, visitor = await _buyer(services)
    held = await client.post(HOLDS, json=_hold(world, visitor), headers=headers)
    other, other_visitor = await _buyer(services)
    assert (await client.post(HOLDS, json=_hold(world, other_visitor), headers=other)).status_code == 409
    cancelled = await client.post(f"{HOLDS}/{held.json()['id']}/cancel", headers=headers)
    assert cancelled.status_code == 200, cancelled.text
    assert not tourism(services).flags.known_sold_out(world.slot.id)
    assert (await client.post(HOLDS, json=_hold(world, other_visitor), headers=other)).status_code == 201


async def test_the_copy_lasts_half_a_second_then_the_route_asks_redis_again(
    services: Services, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, route_spy: list[uuid.UUID]
) -> None:
    world = await _sold_out(services, client)
    flags = tourism(services).flags
    later = time.monotonic() + flags_module.MIRROR_TTL + 0.01
    monkeypatch.setattr(flags, "monotonic", lambda: later)
    assert not flags.known_sold_out(world.slot.id)
    headers, visitor = await _buyer(services)
    refused = await client.post(HOLDS, json=_hold(world, visitor), headers=headers)
    assert refused.json()["code"] == "tourism.sold_out"
    assert route_spy == [world.slot.id] * 3  # this one went to the route, which read the flag again
    assert flags.known_sold_out(world.slot.id)  # and the copy is fresh


async def test_tokens_the_guard_refuses_or_narrows_go_to_the_route(
    services: Services, client: httpx.AsyncClient, route_spy: list[uuid.UUID]
) -> None:
    world = await _sold_out(services, client)
    tokens = services.tokens
    citizen_id, visitor = await make_visitor(services)
    body = _hold(world, visitor)
    revoked = await tokens.issue_access("citizen", citizen_id, scopes=CITIZEN_SCOPES, client_id="app")
    await tokens.revoke_subject("citizen", citizen_id)
    expired = await tokens.issue_access(
        "citizen", uuid.uuid4(), scopes=CITIZEN_SCOPES, client_id="app", ttl=1
    )
    acting = await acting_token(services)
    await asyncio.sleep(1.1)  # the short token's second is over
    answers = {
        "revoked": await client.post(HOLDS, json=body, headers=bearer(revoked.token)),
        "expired": await client.post(HOLDS, json=body, headers=bearer(expired.token)),
        "acting for an organisation": await client.post(HOLDS, json=body, headers=bearer(acting)),
    }
    codes = {what: answer.json()["code"] for what, answer in answers.items()}
    assert codes == {
        "revoked": "auth.token_revoked",
        "expired": "auth.token_expired",
        "acting for an organisation": "auth.acting_not_admitted",
    }
    assert route_spy == [world.slot.id] * 2  # only ``_sold_out``'s: the guard refused these


async def _raw_post(app: Litestar, headers: list[tuple[bytes, bytes]], receive: Any) -> tuple[int, bytes]:
    """One request straight through the app's ASGI handler: its status and body."""
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
        "path": HOLDS, "raw_path": HOLDS.encode(), "root_path": "", "query_string": b"", "headers": headers,
        "client": ("127.0.0.1", 5000), "server": ("testserver", 80), "state": {},
    }  # fmt: skip
    await app(scope, receive, send)  # type: ignore[arg-type]
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    return status, b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")


async def test_a_body_that_never_arrives_is_the_routes_408_and_a_bad_host_its_400(
    app: Litestar, services: Services, client: httpx.AsyncClient
) -> None:
    world = await _sold_out(services, client)
    headers, visitor = await _buyer(services)
    body = json.dumps(_hold(world, visitor)).encode()
    common = [
        (b"authorization", headers["authorization"].encode()),
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    # The first ten bytes, then a client that stalls past the read deadline (``BodyReceive``'s error).
    parts: list[Any] = [{"type": "http.request", "body": body[:10], "more_body": True}]

    async def stalls() -> dict[str, Any]:
        if parts:
            return parts.pop()  # type: ignore[no-any-return]
        raise BodyReadTimeout(detail="The request body did not arrive in time")

    status, answer = await _raw_post(app, [(b"host", b"testserver"), *common], stalls)
    assert (status, json.loads(answer)["code"]) == (408, "request.timeout")

    async def whole() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    status, answer = await _raw_post(app, [(b"host", b"a b/c"), *common], whole)
    assert status == 400, answer
    status, answer = await _raw_post(app, [(b"host", b"testserver"), *common], whole)
    assert (status, json.loads(answer)["code"]) == (409, "tourism.sold_out")  # the same request, well-formed


async def test_a_copy_never_outlives_the_flag_it_copies(
    services: Services, client: httpx.AsyncClient
) -> None:
    world = await make_spot(services, capacity=1)
    flags = tourism(services).flags
    now = datetime.now(UTC)
    await flags.set(world.slot.id, now, ends_at=now + timedelta(hours=1))  # a slot with room: cleared again
    assert not flags.known_sold_out(world.slot.id)
    headers, visitor = await _buyer(services)
    assert (await client.post(HOLDS, json=_hold(world, visitor), headers=headers)).status_code == 201
    other, other_visitor = await _buyer(services)
    assert (await client.post(HOLDS, json=_hold(world, other_visitor), headers=other)).status_code == 409
    flagged_for, _ = await flags.look(world.slot.id)
    assert flagged_for is not None
    assert (
        0 < flagged_for <= 600
    )  # bounded by the held place's expiry (10 min), not the flag's 30 s cap alone


def test_an_early_route_must_match_the_apps_route_and_its_access(app: Litestar) -> None:
    class Elsewhere:
        method, path, access = "POST", "/api/v1/tourism/nowhere", CITIZEN

        async def __call__(self, *args: Any) -> None: ...

    class Anyone:
        method, path, access = "POST", HOLDS, ANYONE

        async def __call__(self, *args: Any) -> None: ...

    routes: list[EarlyRoute] = [Elsewhere(), Anyone()]  # type: ignore[list-item]  # only their declarations matter
    for route in routes:
        with pytest.raises(RuntimeError, match="no route of the app with its access"):
            EarlyAnswers(app.asgi_handler, [route], metrics=Metrics()).check(app)
    EarlyAnswers(app.asgi_handler, [SoldOutEarly.__new__(SoldOutEarly)], metrics=Metrics()).check(
        app
    )  # the real one holds
