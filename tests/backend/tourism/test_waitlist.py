"""Waiting lists over HTTP: a sold-out slot's places coming back go to its oldest waiter as a hold
made for them (and a notice), never to someone behind them, once however many workers offer at
once; an offer not paid in time passes to the next waiter."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime
from typing import Any

import httpx
import msgspec

from backend.notification.service import NotificationService
from backend.tourism.service import TourismService
from backend.tourism.settings import TourismSettings
from backend.tourism.waitlist import WaitlistService
from tests.backend.citizen.factories import bearer
from tests.backend.staff.factories import citizen_token
from tests.backend.tourism.factories import buy, make_spot, make_visitor, spots
from tests.services import Services


def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


async def _waiter(services: Services) -> tuple[uuid.UUID, dict[str, str], uuid.UUID]:
    """(citizen, their headers, a companion of theirs)."""
    citizen_id, visitor_id = await make_visitor(services)
    return citizen_id, bearer(await citizen_token(services, citizen_id)), visitor_id


async def test_places_back_go_to_the_oldest_waiter_once_and_a_lapsed_offer_to_the_next(
    services: Services, client: httpx.AsyncClient
) -> None:
    short = services.rewired(msgspec.structs.replace(TourismSettings(), offer_ttl=30))
    tourism = short.wiring.get(TourismService)
    waitlist = short.wiring.get(WaitlistService)
    world = await make_spot(short, capacity=1)
    buyer, hold_id = await buy(short, world)

    first_id, first, first_visitor = await _waiter(short)
    second_id, second, second_visitor = await _waiter(short)

    def wanted(visitor: uuid.UUID) -> dict[str, Any]:
        return {"tickets": [{"visitor_id": str(visitor), "product_id": str(world.adult.id)}]}

    url = f"/api/v1/tourism/slots/{world.slot.id}/waitlist"
    a = _ok(await client.post(url, json=wanted(first_visitor), headers=first), 201)
    b = _ok(await client.post(url, json=wanted(second_visitor), headers=second), 201)
    assert (a["state"], a["ahead"], b["ahead"]) == ("waiting", 0, 1)
    twice = await client.post(url, json=wanted(first_visitor), headers=first)
    assert (twice.status_code, twice.json()["code"]) == (409, "tourism.already_waiting")
    foreign = await client.post(url, json=wanted(first_visitor), headers=second)
    assert (foreign.status_code, foreign.json()["code"]) == (422, "tourism.visitor_unknown")
    other = await client.get(f"/api/v1/tourism/waitlist/{a['id']}", headers=second)
    assert other.status_code == 404

    # The buyer cancels: the place goes to the first waiter, as a hold made for them, told once,
    # however many workers offer the slot at the same moment.
    await asyncio.gather(tourism.cancel(buyer, hold_id), *(waitlist.offer([world.slot.id]) for _ in range(4)))
    mine = _ok(await client.get(f"/api/v1/tourism/waitlist/{a['id']}", headers=first))
    assert (mine["state"], mine["hold_id"]) == ("offered", a["id"])
    offered = _ok(await client.get(f"/api/v1/tourism/holds/{a['id']}", headers=first))
    assert (offered["state"], offered["qty"]) == ("held", 1)
    assert await spots(short).counters(world.slot.id) == (1, 1, 0)
    notices, _ = await short.wiring.get(NotificationService).page(first_id, cursor=None, limit=10)
    assert [n.template for n in notices] == ["tourism.waitlist_offer"]
    behind = _ok(await client.get(f"/api/v1/tourism/waitlist/{b['id']}", headers=second))
    assert (behind["state"], behind["ahead"]) == ("waiting", 0)
    someone = await client.post(
        url,
        json=wanted((await make_visitor(short, buyer))[1]),
        headers=bearer(await citizen_token(short, buyer)),
    )
    assert someone.status_code == 201  # still sold out for everyone else: they may wait too

    # The first waiter lets the offer lapse: at the sweep it passes to the second.
    expired = await tourism._sales.expire(datetime.fromisoformat(offered["expires_at"]))
    await tourism.places_back(expired)
    nxt = _ok(await client.get(f"/api/v1/tourism/waitlist/{b['id']}", headers=second))
    assert (nxt["state"], nxt["hold_id"]) == ("offered", b["id"])
    assert await spots(short).counters(world.slot.id) == (1, 1, 0)
    gone = _ok(await client.delete(f"/api/v1/tourism/waitlist/{b['id']}", headers=second))
    assert gone["state"] == "offered"  # an offer made stays; leaving is for those still waiting
    assert second_id != first_id


async def test_a_slot_with_places_needs_no_waiting_list(
    services: Services, client: httpx.AsyncClient
) -> None:
    world = await make_spot(services, capacity=2)
    _, headers, visitor = await _waiter(services)
    body = {"tickets": [{"visitor_id": str(visitor), "product_id": str(world.adult.id)}]}
    answer = await client.post(f"/api/v1/tourism/slots/{world.slot.id}/waitlist", json=body, headers=headers)
    assert (answer.status_code, answer.json()["code"]) == (409, "tourism.waitlist_not_needed")
