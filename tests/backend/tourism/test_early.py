"""The sold-out early answer (``tourism/controller/early.py``): once this worker has seen a slot's
flag, a loser's hold is refused before routing with the route's own answer — and only then. Every
request the route would answer otherwise still reaches it."""

from __future__ import annotations

import time
import uuid
from functools import partial
from typing import Any

import httpx
import pytest
from litestar import Litestar

from backend.tourism import flags as flags_module
from backend.tourism.service import TourismService
from tests.backend.citizen.factories import bearer
from tests.backend.staff.factories import citizen_token, staff_token
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
