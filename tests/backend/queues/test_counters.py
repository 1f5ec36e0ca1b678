"""Numbers and counters on PostgreSQL: numbers per service and day, priority bands, calling never
gives one ticket to two counters, recall / skip / transfer / finish, and the wait estimate."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from litestar import Litestar

from backend.outbox.service import Outbox
from backend.queues import eta
from backend.queues.errors import GraceNotOver, NobodyWaiting, RecallLimit, TicketExists
from backend.queues.notices import TOPIC
from tests.backend.citizen.factories import client_from
from tests.backend.queues.factories import citizen, counters, make_hall, tickets
from tests.backend.staff.factories import bearer, operator_principal, staff_login
from tests.services import Services


async def test_numbers_count_per_service_and_a_citizen_holds_one_live_number(services: Services) -> None:
    world = await make_hall(services, prefixes=("A", "B"))
    a, b = world.services
    who = citizen()
    first = await tickets(services).walk_in(who, service_id=a.id, hall_code=world.code)
    second = await tickets(services).walk_in(citizen(), service_id=a.id, hall_code=world.code)
    other = await tickets(services).walk_in(who, service_id=b.id, hall_code=world.code)
    assert (first.label, second.label, other.label) == ("A001", "A002", "B001")
    with pytest.raises(TicketExists):
        await tickets(services).walk_in(who, service_id=a.id, hall_code=world.code)


async def test_concurrent_numbers_are_all_distinct(services: Services) -> None:
    world = await make_hall(services)
    taken = await asyncio.gather(
        *(
            tickets(services).walk_in(citizen(), service_id=world.services[0].id, hall_code=world.code)
            for _ in range(100)
        )
    )
    assert sorted(t.number for t in taken) == list(range(1, 101))


async def test_two_counters_calling_at_once_never_get_the_same_ticket(services: Services) -> None:
    world = await make_hall(services, counters_count=6)
    for _ in range(60):
        await tickets(services).walk_in(citizen(), service_id=world.services[0].id, hall_code=world.code)
    operator = operator_principal()

    async def work(counter_id: uuid.UUID) -> list[str]:
        called = []
        while True:
            try:
                called.append((await counters(services).call_next(operator, counter_id)).label)
            except NobodyWaiting:
                return called

    calls = [
        label for labels in await asyncio.gather(*(work(c.id) for c in world.counters)) for label in labels
    ]
    assert len(calls) == 60
    assert len(set(calls)) == 60
    with pytest.raises(NobodyWaiting):
        await counters(services).call_next(operator, world.counters[0].id)


async def test_priority_bands_are_served_first_in_the_halls_order(services: Services) -> None:
    world = await make_hall(services, bands=("elderly",))
    service = world.services[0].id
    walk = await tickets(services).walk_in(citizen(), service_id=service, hall_code=world.code)
    ticket_kiosk = tickets(services)
    elderly = await ticket_kiosk._take(world.hall, world.services[0], "elderly", citizen_id=None)
    assert elderly.band < walk.band
    called = await counters(services).call_next(operator_principal(), world.counters[0].id)
    assert called.label == elderly.label
    position = await tickets(services).place_of(walk)
    assert position.ahead == 0


async def test_recall_skip_and_the_called_and_third_in_line_notices(services: Services) -> None:
    world = await make_hall(services, grace_seconds=0, max_recalls=1)
    people = [citizen() for _ in range(4)]
    for who in people:
        await tickets(services).walk_in(who, service_id=world.services[0].id, hall_code=world.code)
    operator, desk = operator_principal(), world.counters[0].id
    called = await counters(services).call_next(operator, desk)
    with pytest.raises(GraceNotOver):
        await counters(services).skip(operator, desk)
    assert (await counters(services).recall(operator, desk)).recalls == 1
    with pytest.raises(RecallLimit):
        await counters(services).recall(operator, desk)
    skipped = await counters(services).skip(operator, desk)
    assert (skipped.label, skipped.status) == (called.label, "skipped")
    # Owed through the outbox, once per (ticket, event), in the call's transaction.
    outbox = services.wiring.get(Outbox)
    mine = await tickets(services).mine(people[0])
    assert await outbox.find(TOPIC, f"queue:{mine[0].id}:called") is not None
    assert await outbox.find(TOPIC, f"queue:{mine[0].id}:third") is None
    fourth = await tickets(services).mine(people[3])
    # After the first call, the fourth in line became third.
    assert await outbox.find(TOPIC, f"queue:{fourth[0].id}:third") is not None
    second = await tickets(services).mine(people[1])
    assert await outbox.find(TOPIC, f"queue:{second[0].id}:third") is None


async def test_transfer_and_finish_teach_the_estimate(services: Services) -> None:
    world = await make_hall(services, prefixes=("A", "B"))
    who = citizen()
    await tickets(services).walk_in(who, service_id=world.services[0].id, hall_code=world.code)
    operator, desk = operator_principal(), world.counters[0].id
    await counters(services).call_next(operator, desk)
    moved = await counters(services).transfer(operator, desk, world.services[1].id)
    assert (moved.label, moved.citizen_id) == ("B001", who)
    assert (await counters(services).call_next(operator, desk)).label == "B001"
    done = await counters(services).finish(operator, desk)
    assert done.status == "done"


def test_the_estimate_blends_queue_length_with_the_last_wait_as_a_range() -> None:
    assert eta.estimate(0, service_seconds=300, open_counters=2, last_wait=None, waiting=0) == (0, 0)
    low, high = eta.estimate(4, service_seconds=300, open_counters=2, last_wait=None, waiting=10)
    assert (low, high) == (7, 13)  # 2 rounds x 5 min = 10 min, ±25 %
    blended = eta.estimate(4, service_seconds=300, open_counters=2, last_wait=2400, waiting=9)
    assert blended == (11, 19)  # (600 + 2400 x 5/10) / 2 = 900 s, ±25 %
    assert eta.learn(300, 100) == pytest.approx(260)


async def test_a_counter_of_another_hall_is_403(app: Litestar, services: Services) -> None:
    mine, theirs = await make_hall(services), await make_hall(services)
    row, _, session, _ = await staff_login(app, services, role="counter")
    async with client_from(app) as client:
        assign = await client.put(
            f"/api/v1/admin/queue/halls/{mine.hall.id}/staff/{row.id}",
            headers=bearer(await _operator_token(app, services)),
        )
        assert assign.status_code == 204, assign.text
        headers = bearer(session["access_token"])
        await tickets(services).walk_in(citizen(), service_id=mine.services[0].id, hall_code=mine.code)
        ok = await client.post(f"/api/v1/queue/counters/{mine.counters[0].id}/call-next", headers=headers)
        assert ok.status_code == 200, ok.text
        refused = await client.post(
            f"/api/v1/queue/counters/{theirs.counters[0].id}/call-next", headers=headers
        )
        assert refused.status_code == 403
        assert refused.json()["code"] == "queue.counter_not_yours"
        empty = await client.post(f"/api/v1/queue/counters/{mine.counters[0].id}/call-next", headers=headers)
        assert (empty.status_code, empty.json()["code"]) == (409, "queue.nobody_waiting")


async def _operator_token(app: Litestar, services: Services) -> str:
    _, _, session, _ = await staff_login(app, services, role="operator")
    token: str = session["access_token"]
    return token


async def test_a_group_of_numbers_refuses_only_the_citizen_who_holds_one(services: Services) -> None:
    world = await make_hall(services)
    twice = citizen()
    people = [citizen() for _ in range(10)] + [twice, twice]

    async def take(who: uuid.UUID) -> str:
        try:
            ticket = await tickets(services).walk_in(
                who, service_id=world.services[0].id, hall_code=world.code
            )
        except TicketExists:
            return "refused"
        return ticket.label

    outcomes = await asyncio.gather(*(take(who) for who in people))
    assert outcomes.count("refused") == 1
    numbers = sorted(o for o in outcomes if o != "refused")
    assert numbers == [f"A{n:03d}" for n in range(1, 12)]


async def test_every_counter_action_is_audited_by_who_made_it(services: Services) -> None:
    world = await make_hall(services, prefixes=("A", "B"), grace_seconds=0, max_recalls=1)
    first, second = citizen(), citizen()
    for who in (first, second):
        await tickets(services).walk_in(who, service_id=world.services[0].id, hall_code=world.code)
    operator, desk = operator_principal(), world.counters[0].id
    a1 = await counters(services).call_next(operator, desk)
    await counters(services).recall(operator, desk)
    await counters(services).skip(operator, desk)
    a2 = await counters(services).call_next(operator, desk)
    moved = await counters(services).transfer(operator, desk, world.services[1].id)
    b1 = await counters(services).call_next(operator, desk)
    await counters(services).finish(operator, desk)
    audit = services.wiring.infra.audit

    async def actions(ticket_id: uuid.UUID) -> list[tuple[str, str]]:
        records = await audit.of_subject("queue", f"queue_ticket:{ticket_id}")
        return sorted((r.action, r.actor) for r in records)

    by = operator.subject
    assert await actions(a1.id) == [("queue.called", by), ("queue.recalled", by), ("queue.skipped", by)]
    assert await actions(a2.id) == [("queue.called", by), ("queue.transferred", by)]
    assert moved.id == b1.id
    assert await actions(b1.id) == [("queue.called", by), ("queue.finished", by)]
