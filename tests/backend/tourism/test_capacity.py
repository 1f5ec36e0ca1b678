"""An operator changes a slot's quota on PostgreSQL: shared over its counter rows, never below the
places held and sold (the database decides, also against buyers racing it), audited, and more room
offered to the waiting list first."""

from __future__ import annotations

import json
import uuid
from datetime import date
from typing import Any

import httpx
from litestar import Litestar

from backend.audit.service import AuditLog
from backend.tourism.errors import SoldOut
from backend.tourism.model import TicketRequest
from backend.tourism.tables import TourismStock
from tests.backend.citizen.factories import bearer
from tests.backend.staff.factories import citizen_token, staff_token
from tests.backend.tourism.factories import bounded, buy, make_spot, make_visitor, spots, tourism
from tests.services import Services


def _url(slot_id: uuid.UUID) -> str:
    return f"/api/v1/admin/tourism/slots/{slot_id}/capacity"


async def _rows(slot_id: uuid.UUID) -> list[tuple[int, int, int]]:
    rows = await TourismStock.select(TourismStock.capacity, TourismStock.held, TourismStock.sold).where(
        TourismStock.slot_id == slot_id
    )
    return [(r["capacity"], r["held"], r["sold"]) for r in rows]


async def test_an_operator_lowers_and_raises_a_quota_but_never_below_the_places_taken(
    app: Litestar, services: Services, client: httpx.AsyncClient
) -> None:
    world = await make_spot(services, capacity=12, shards=4)
    operator = bearer(await staff_token(app, services, role="operator"))
    for _ in range(3):
        await buy(services, world)

    lowered = await client.put(_url(world.slot.id), json={"capacity": 5}, headers=operator)
    assert lowered.status_code == 200, lowered.text
    assert lowered.json() == {"capacity": 5, "held": 3, "sold": 0}
    rows = await _rows(world.slot.id)
    assert sum(c for c, _, _ in rows) == 5
    assert all(h + s <= c for c, h, s in rows)
    (slot,) = await spots(services).availability(world.spot.id, date.fromisoformat(world.slot.day))
    assert (slot.slot.capacity, slot.available) == (5, 2)

    below = await client.put(_url(world.slot.id), json={"capacity": 2}, headers=operator)
    assert (below.status_code, below.json()["code"]) == (409, "tourism.capacity_below_taken")
    assert await spots(services).counters(world.slot.id) == (5, 3, 0)
    exact = await client.put(_url(world.slot.id), json={"capacity": 3}, headers=operator)
    assert exact.json() == {"capacity": 3, "held": 3, "sold": 0}

    entries = await services.wiring.get(AuditLog).of_subject("tourism", f"tourism_slot:{world.slot.id}")
    changes = [json.loads(e.data) for e in entries if e.action == "tourism.capacity_changed"]
    assert [(d["from"], d["to"]) for d in changes] == [(12, 5), (5, 3)]


async def test_a_quota_lowered_while_buyers_race_never_leaves_a_row_oversold(
    app: Litestar, services: Services, client: httpx.AsyncClient
) -> None:
    world = await make_spot(services, capacity=40, shards=4)
    operator = bearer(await staff_token(app, services, role="operator"))
    buyers = await bounded(make_visitor(services) for _ in range(40))

    async def hold(citizen_id: uuid.UUID, visitor_id: uuid.UUID) -> str:
        try:
            await tourism(services).hold(
                citizen_id, world.slot.id, [TicketRequest(visitor_id=visitor_id, product_id=world.adult.id)]
            )
        except SoldOut:
            return "sold_out"
        return "held"

    async def lower(to: int) -> int:
        return (await client.put(_url(world.slot.id), json={"capacity": to}, headers=operator)).status_code

    outcomes = await bounded([*(hold(c, v) for c, v in buyers), lower(25), lower(30)])
    statuses = [o for o in outcomes if isinstance(o, int)]
    assert set(statuses) <= {200, 409}, statuses
    capacity, held, sold = await spots(services).counters(world.slot.id)
    assert held == [o for o in outcomes if isinstance(o, str)].count("held")
    assert held + sold <= capacity
    assert all(h + s <= c for c, h, s in await _rows(world.slot.id))


async def test_more_room_goes_to_the_waiting_list_first(
    app: Litestar, services: Services, client: httpx.AsyncClient
) -> None:
    world = await make_spot(services, capacity=1)
    operator = bearer(await staff_token(app, services, role="operator"))
    await buy(services, world)
    waiter, visitor = await make_visitor(services)
    wanted = {"tickets": [{"visitor_id": str(visitor), "product_id": str(world.adult.id)}]}
    joined = await client.post(
        f"/api/v1/tourism/slots/{world.slot.id}/waitlist",
        json=wanted,
        headers=bearer(await citizen_token(services, waiter)),
    )
    assert joined.status_code == 201, joined.text

    raised = await client.put(_url(world.slot.id), json={"capacity": 2}, headers=operator)
    assert raised.json() == {"capacity": 2, "held": 2, "sold": 0}  # the waiter's offer holds the place


async def test_only_operators_change_quotas_and_bad_input_is_named(
    app: Litestar, services: Services, client: httpx.AsyncClient
) -> None:
    world = await make_spot(services, capacity=5)
    clerk = bearer(await staff_token(app, services, role="counter"))
    operator = bearer(await staff_token(app, services, role="operator"))
    refused = await client.put(_url(world.slot.id), json={"capacity": 9}, headers=clerk)
    assert (refused.status_code, refused.json()["code"]) == (403, "auth.missing_role")
    missing = await client.put(_url(uuid.uuid4()), json={"capacity": 9}, headers=operator)
    assert (missing.status_code, missing.json()["code"]) == (404, "tourism.slot_not_found")
    bad: Any
    for bad in ({"capacity": -1}, {"capacity": "9"}, {}, {"capacity": 9, "extra": 1}):
        answer = await client.put(_url(world.slot.id), json=bad, headers=operator)
        assert answer.status_code in (400, 422), answer.text
    assert await spots(services).counters(world.slot.id) == (5, 0, 0)
