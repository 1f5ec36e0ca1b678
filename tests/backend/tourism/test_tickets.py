"""Tickets over HTTP: a real-name ticket bought, paid through WeChat Pay (sandbox), shown as a
rotating signed code and let in at a gate exactly once; payment notices replayed never make a
second ticket; a payment after the hold expired is re-seated or refunded."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import timedelta
from typing import Any

import httpx
import msgspec

from backend.payment.service import PaymentService
from backend.tourism.gates import GateService
from backend.tourism.service import TourismService
from backend.tourism.settings import TourismSettings
from citizen_code import IssuerKey, issue_code
from tests.backend.citizen.factories import bearer, register
from tests.backend.code.factories import Citizen as CodeCitizen
from tests.backend.code.factories import issued_code, make_scanner
from tests.backend.payment.factories import buyer_pays, deliver, last_notification, payments, tell_owners
from tests.backend.tourism.factories import World, buy, id_number, make_spot, spots, today, tourism
from tests.services import Services


async def _citizen(client: httpx.AsyncClient) -> dict[str, str]:
    registered = await register(client)
    return bearer(registered["tokens"]["access_token"])


def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


async def _paid_ticket(
    services: Services, client: httpx.AsyncClient, world: World
) -> tuple[dict[str, str], dict[str, Any]]:
    """A citizen who bought and paid one adult ticket for themselves: their headers, the hold."""
    citizen = await _citizen(client)
    me = _ok(await client.post("/api/v1/tourism/visitors/self", headers=citizen), 201)
    assert me["is_self"]
    assert "*" in me["id_number"]
    slots = _ok(
        await client.get(f"/api/v1/tourism/spots/{world.spot.id}/slots", params={"day": world.slot.day})
    )
    assert slots["items"][0]["id"] == str(world.slot.id)
    body = {
        "slot_id": str(world.slot.id),
        "tickets": [{"visitor_id": me["id"], "product_id": str(world.adult.id)}],
    }
    hold = _ok(await client.post("/api/v1/tourism/holds", json=body, headers=citizen), 201)
    assert (hold["state"], hold["amount_fen"], hold["tickets"][0]["state"]) == ("held", 6000, "held")
    started = _ok(
        await client.post(
            f"/api/v1/tourism/holds/{hold['id']}/pay", json={"channel": "wechat_app"}, headers=citizen
        ),
        201,
    )
    order = await payments(services).get(uuid.UUID(started["hold"]["order_id"]))
    assert (order.owner, order.amount_fen) == ("tourism", 6000)
    await buyer_pays(client, order.out_trade_no)
    for _ in range(3):  # the platform retries its notification: each replay is answered, settled once
        assert (await deliver(client, last_notification(services))).status_code == 204
    await tell_owners(services)
    return citizen, _ok(await client.get(f"/api/v1/tourism/holds/{hold['id']}", headers=citizen))


async def test_a_ticket_is_bought_paid_shown_and_let_in_once(
    services: Services, client: httpx.AsyncClient
) -> None:
    world = await make_spot(services, capacity=5)
    citizen, hold = await _paid_ticket(services, client, world)
    assert hold["state"] == "paid"
    ticket = hold["tickets"][0]
    assert ticket["state"] == "valid"
    assert await spots(services).counters(world.slot.id) == (5, 0, 1)

    shown = _ok(await client.get(f"/api/v1/tourism/tickets/{ticket['id']}/code", headers=citizen))
    assert shown["code"].startswith("SQ1:")
    gate = await make_scanner(services, scene="scenic_spot", venue=world.spot.slug)
    elsewhere = await make_scanner(services, scene="scenic_spot", venue=(await make_spot(services)).spot.slug)
    wrong = await client.post(
        "/api/v1/tourism/gate/redeem", json={"code": shown["code"]}, headers=elsewhere.headers
    )
    assert (wrong.status_code, wrong.json()["code"]) == (409, "tourism.ticket_wrong_spot")

    # 50 gates scan the same ticket at the same moment: one lets it in.
    answers = await asyncio.gather(
        *(
            client.post("/api/v1/tourism/gate/redeem", json={"code": shown["code"]}, headers=gate.headers)
            for _ in range(50)
        )
    )
    assert sorted(a.status_code for a in answers) == [200] + [409] * 49
    assert {a.json()["code"] for a in answers if a.status_code == 409} == {"tourism.ticket_used"}
    used = await client.get(f"/api/v1/tourism/tickets/{ticket['id']}/code", headers=citizen)
    assert (used.status_code, used.json()["code"]) == (409, "tourism.ticket_used")
    mine = _ok(await client.get("/api/v1/tourism/tickets", headers=citizen))["items"]
    assert [(t["id"], t["state"]) for t in mine] == [(ticket["id"], "redeemed")]


async def test_a_replayed_payment_notice_never_makes_a_second_ticket(
    services: Services, client: httpx.AsyncClient
) -> None:
    service = tourism(services)
    world = await make_spot(services, capacity=5)
    citizen, hold = await _paid_ticket(services, client, world)
    order = await payments(services).get(uuid.UUID(hold["order_id"]))
    notice = payments(services).notice(
        order,
        "paid",
        paid_fen=6000,
        refunded_fen=0,
        transaction_id=order.transaction_id,
        now=order.created_at,
    )
    await asyncio.gather(*(service.on_payment(notice) for _ in range(5)))
    again = _ok(await client.get(f"/api/v1/tourism/holds/{hold['id']}", headers=citizen))
    assert (again["state"], [t["id"] for t in again["tickets"]]) == (
        "paid",
        [t["id"] for t in hold["tickets"]],
    )
    assert await spots(services).counters(world.slot.id) == (5, 0, 1)
    assert (await payments(services).get(order.id)).refund_reserved_fen == 0


async def test_gate_refusals_each_say_why_and_a_cancelled_ticket_is_refunded(
    services: Services, client: httpx.AsyncClient
) -> None:
    later = await make_spot(services, capacity=5, day=today() + timedelta(days=2))
    citizen, hold = await _paid_ticket(services, client, later)
    ticket = hold["tickets"][0]
    gate = await make_scanner(services, scene="scenic_spot", venue=later.spot.slug)
    library = await make_scanner(services, scene="library", venue=later.spot.slug)
    shown = _ok(await client.get(f"/api/v1/tourism/tickets/{ticket['id']}/code", headers=citizen))["code"]
    stale, _ = services.wiring.get(GateService).signer.issue("aaaaaaaaaaaaaaaa", now=int(time.time()) - 600)
    foreign = issue_code(
        IssuerKey.generate(), issuer="suqian-tourism", subject="aaaaaaaaaaaaaaaa", now=int(time.time())
    )
    for code, headers, status, problem in (
        (shown, gate.headers, 409, "tourism.ticket_outside_window"),  # its day is the day after tomorrow
        (stale, gate.headers, 422, "tourism.ticket_code_expired"),
        (foreign, gate.headers, 422, "tourism.ticket_code_invalid"),
        (shown, library.headers, 403, "tourism.gate_unknown"),
    ):
        answer = await client.post("/api/v1/tourism/gate/redeem", json={"code": code}, headers=headers)
        assert (answer.status_code, answer.json()["code"]) == (status, problem), answer.text

    cancelled = _ok(await client.post(f"/api/v1/tourism/holds/{hold['id']}/cancel", headers=citizen))
    assert (cancelled["state"], cancelled["tickets"][0]["state"]) == ("refunded", "void")
    assert await spots(services).counters(later.slot.id) == (5, 0, 0)
    order = await payments(services).get(uuid.UUID(hold["order_id"]))
    assert order.refund_reserved_fen == order.paid_fen == 6000
    void = await client.post("/api/v1/tourism/gate/redeem", json={"code": shown}, headers=gate.headers)
    assert (void.status_code, void.json()["code"]) == (409, "tourism.ticket_void")
    again = await client.post(f"/api/v1/tourism/holds/{hold['id']}/cancel", headers=citizen)
    assert (again.status_code, again.json()["code"]) == (409, "tourism.hold_not_cancellable")


async def test_a_payment_after_the_hold_expired_is_reseated_when_a_place_is_left(
    services: Services, client: httpx.AsyncClient
) -> None:
    short = services.rewired(msgspec.structs.replace(TourismSettings(), hold_ttl=1))
    service = short.wiring.get(TourismService)
    world = await make_spot(short, capacity=2)
    buyer, hold_id = await buy(short, world)
    _, created = await service.pay(buyer, hold_id, channel="wechat_app")
    assert created is not None
    await asyncio.sleep(1.1)
    await service.sweep()
    assert await spots(short).counters(world.slot.id) == (2, 0, 0)
    await _settle(short, client, created.order.out_trade_no)
    hold, tickets = await service.get(buyer, hold_id)
    assert (hold.state, {t.state for t in tickets}) == ("paid", {"valid"})
    assert await spots(short).counters(world.slot.id) == (2, 0, 1)


async def test_a_payment_after_the_hold_expired_and_the_place_went_to_another_is_refunded(
    services: Services, client: httpx.AsyncClient
) -> None:
    short = services.rewired(msgspec.structs.replace(TourismSettings(), hold_ttl=1))
    service = short.wiring.get(TourismService)
    world = await make_spot(short, capacity=1)
    buyer, hold_id = await buy(short, world)
    _, created = await service.pay(buyer, hold_id, channel="wechat_app")
    assert created is not None
    await asyncio.sleep(1.1)
    await buy(short, world)  # reclaims the expired place at once
    await _settle(short, client, created.order.out_trade_no)
    hold, tickets = await service.get(buyer, hold_id)
    assert (hold.state, {t.state for t in tickets}) == ("refunded", {"void"})
    order = await short.wiring.get(PaymentService).get(created.order.id)
    assert (order.paid_fen, order.refund_reserved_fen) == (6000, 6000)
    assert await spots(short).counters(world.slot.id) == (1, 1, 0)


async def _settle(services: Services, client: httpx.AsyncClient, out_trade_no: str) -> None:
    """The buyer pays in the sandbox cashier, the platform's notice is settled, the owner told."""
    await buyer_pays(client, out_trade_no)
    assert (await deliver(client, last_notification(services))).status_code == 204
    await tell_owners(services)


async def test_the_holder_enters_with_their_citizen_code_once_and_only_on_their_own_ticket(
    services: Services, client: httpx.AsyncClient
) -> None:
    world = await make_spot(services, capacity=5, adult_fen=0)  # free: confirmed without a payment
    registered = await register(client)
    citizen = bearer(registered["tokens"]["access_token"])
    me = _ok(await client.post("/api/v1/tourism/visitors/self", headers=citizen), 201)
    companion = _ok(
        await client.post(
            "/api/v1/tourism/visitors", json={"name": "王小红", "id_number": id_number(7)}, headers=citizen
        ),
        201,
    )
    body = {
        "slot_id": str(world.slot.id),
        "tickets": [{"visitor_id": v["id"], "product_id": str(world.adult.id)} for v in (me, companion)],
    }
    hold = _ok(await client.post("/api/v1/tourism/holds", json=body, headers=citizen), 201)
    paid = _ok(
        await client.post(
            f"/api/v1/tourism/holds/{hold['id']}/pay", json={"channel": "wechat_app"}, headers=citizen
        ),
        201,
    )
    assert (paid["order_status"], paid["hold"]["state"]) == ("none", "paid")
    gate = await make_scanner(services, scene="scenic_spot", venue=world.spot.slug)
    holder = CodeCitizen(uuid.UUID(registered["citizen"]["id"]), citizen)
    entered = _ok(
        await client.post(
            "/api/v1/tourism/gate/redeem-by-citizen-code",
            json={"code": await issued_code(client, holder)},
            headers=gate.headers,
        )
    )
    mine = next(t for t in paid["hold"]["tickets"] if t["visitor_id"] == me["id"])
    assert entered["ticket_id"] == mine["id"]
    # Their own ticket is used; the companion's is not theirs to enter with.
    again = await client.post(
        "/api/v1/tourism/gate/redeem-by-citizen-code",
        json={"code": await issued_code(client, holder)},
        headers=gate.headers,
    )
    assert (again.status_code, again.json()["code"]) == (409, "tourism.no_ticket_here")
    replayed = await client.post(
        "/api/v1/tourism/gate/redeem-by-citizen-code",
        json={"code": (code := await issued_code(client, holder))},
        headers=gate.headers,
    )
    assert replayed.json()["code"] == "tourism.no_ticket_here"
    twice = await client.post(
        "/api/v1/tourism/gate/redeem-by-citizen-code", json={"code": code}, headers=gate.headers
    )
    assert (twice.status_code, twice.json()["code"]) == (422, "tourism.citizen_code_refused")
