"""Offline gates over HTTP: the spot's day read by cursor (paid tickets appear, a refunded one turns
void, a redemption elsewhere shows as used), uploads applied as of the moment of entry, the same
ticket let in at two offline gates flagged once however often the batches are re-sent."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import msgspec

from backend.app import create_app
from backend.tourism.gates import GateService
from backend.tourism.service import TourismService
from backend.tourism.settings import TourismSettings
from tests.backend.citizen.factories import client_from
from tests.backend.code.factories import make_scanner
from tests.backend.staff.factories import bearer, staff_token
from tests.backend.tourism.factories import World, buy, make_spot
from tests.services import Services


def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


async def _paid(services: Services, world: World) -> tuple[uuid.UUID, str, str]:
    """(hold, ticket code id, a fresh QR of it) of one adult ticket, paid for free by the sandbox."""
    tourism = services.wiring.get(TourismService)
    citizen, hold_id = await buy(services, world)
    _, created = await tourism.pay(citizen, hold_id, channel="wechat_app")
    assert created is not None
    assert await tourism._sales.confirm(hold_id, order_id=created.order.id, now=datetime.now(UTC))
    _, tickets = await tourism.get(citizen, hold_id)
    gates = services.wiring.get(GateService)
    code, _ = gates.signer.issue(tickets[0].code_id, now=int(datetime.now(UTC).timestamp()))
    return hold_id, tickets[0].code_id, code


async def _feed_all(
    client: httpx.AsyncClient, headers: dict[str, str], cursor: str | None
) -> tuple[dict[str, Any], str | None]:
    """Read the feed to its end, a page of 2 at a time: code id → entry, and the last cursor."""
    seen: dict[str, Any] = {}
    while True:
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = _ok(await client.get("/api/v1/tourism/gate/feed", params=params, headers=headers))
        seen.update({item["code_id"]: item for item in page["items"]})
        cursor = page["next_cursor"]
        if not page["has_more"]:
            return seen, cursor


async def test_a_gate_follows_its_day_by_cursor_and_offline_entries_are_applied_once(
    services: Services,
) -> None:
    now_settled = services.rewired(msgspec.structs.replace(TourismSettings(), feed_settle=0))
    app = create_app(now_settled.settings, features=now_settled.wiring.features, wiring=now_settled.wiring)
    world = await make_spot(now_settled, capacity=10)
    other = await make_spot(now_settled, capacity=10)
    gate_a = await make_scanner(now_settled, scene="scenic_spot", venue=world.spot.slug)
    gate_b = await make_scanner(now_settled, scene="scenic_spot", venue=world.spot.slug)
    tickets = [await _paid(now_settled, world) for _ in range(3)]
    await _paid(now_settled, other)  # another spot's ticket never reaches this gate
    await buy(now_settled, world)  # a hold not paid is not a ticket yet
    async with client_from(app) as client:
        seen, cursor = await _feed_all(client, gate_a.headers, None)
        assert sorted(seen) == sorted(code_id for _, code_id, _ in tickets)
        assert {e["state"] for e in seen.values()} == {"valid"}
        again, same = await _feed_all(client, gate_a.headers, cursor)
        assert (again, same) == ({}, cursor)  # nothing changed: the same cursor back

        # Online, gate B lets the first ticket in; the second is cancelled and refunded by an operator.
        (_, first_id, first_code), (second_hold, second_id, _), (_, third_id, third_code) = tickets
        _ok(
            await client.post(
                "/api/v1/tourism/gate/redeem", json={"code": first_code}, headers=gate_b.headers
            )
        )
        tourism = now_settled.wiring.get(TourismService)
        hold = await tourism._sales.find_hold(second_hold)
        assert hold is not None
        closed = await tourism._sales.close(
            hold.id, from_states=("paid",), to="refunded", now=datetime.now(UTC)
        )
        assert closed is not None
        await tourism._sales.release(closed, column="sold", now=datetime.now(UTC))
        changed, _ = await _feed_all(client, gate_a.headers, cursor)
        assert {k: v["state"] for k, v in changed.items()} == {first_id: "redeemed", second_id: "void"}

        # Offline, gate A had let in the first (already in through B) and the third ticket.
        at = datetime.now(UTC).replace(microsecond=0)
        batch = {
            "scans": [
                {"code": first_code, "scanned_at": at.isoformat()},
                {"code": third_code, "scanned_at": (at - timedelta(seconds=5)).isoformat()},
            ]
        }
        answers = await asyncio.gather(
            *(client.post("/api/v1/tourism/gate/scans", json=batch, headers=gate_a.headers) for _ in range(3))
        )
        for answer in answers:  # re-sent (even at once) batches are answered as the first time
            results = {r["code_id"]: r for r in _ok(answer)["results"]}
            assert results[third_id]["outcome"] == "accepted"
            assert results[first_id]["outcome"] == "duplicate"
            assert results[first_id]["first_gate"] == f"device:{gate_b.id}"
        third = await now_settled.wiring.get(TourismService)._sales.ticket_by_code(third_id)
        assert third is not None
        assert (third.state, third.redeemed_at) == ("redeemed", at - timedelta(seconds=5))

        operator = bearer(await staff_token(app, now_settled, role="operator"))
        flags = _ok(
            await client.get(
                f"/api/v1/admin/tourism/spots/{world.spot.id}/gate-flags",
                params={"day": world.slot.day},
                headers=operator,
            )
        )["items"]
        assert [(f["code_id"], f["first_at"] is not None) for f in flags] == [(first_id, True)]

        # The feed shows the third as used now, to every gate of the spot.
        seen_b, _ = await _feed_all(client, gate_b.headers, None)
        assert {k: v["state"] for k, v in seen_b.items()} == {
            first_id: "redeemed",
            second_id: "void",
            third_id: "redeemed",
        }


async def test_uploads_outside_what_the_gate_may_say_are_refused_or_explained(
    services: Services, client: httpx.AsyncClient
) -> None:
    world = await make_spot(services, capacity=5)
    elsewhere = await make_spot(services, capacity=5)
    gate = await make_scanner(services, scene="scenic_spot", venue=world.spot.slug)
    library = await make_scanner(services, scene="library", venue=world.spot.slug)
    _, _, other_code = await _paid(services, elsewhere)
    now = datetime.now(UTC)
    stale = services.wiring.get(GateService).signer.issue("aaaaaaaaaaaaaaaa", now=int(now.timestamp()) - 600)[
        0
    ]

    def batch(code: str, at: datetime) -> dict[str, Any]:
        return {"scans": [{"code": code, "scanned_at": at.isoformat()}]}

    future = await client.post(
        "/api/v1/tourism/gate/scans", json=batch(other_code, now + timedelta(hours=1)), headers=gate.headers
    )
    assert (future.status_code, future.json()["code"]) == (422, "tourism.scan_time_invalid")
    ancient = await client.post(
        "/api/v1/tourism/gate/scans", json=batch(other_code, now - timedelta(days=8)), headers=gate.headers
    )
    assert (ancient.status_code, ancient.json()["code"]) == (422, "tourism.scan_time_invalid")
    not_a_gate = await client.post(
        "/api/v1/tourism/gate/scans", json=batch(other_code, now), headers=library.headers
    )
    assert (not_a_gate.status_code, not_a_gate.json()["code"]) == (403, "tourism.gate_unknown")
    feed = await client.get(
        "/api/v1/tourism/gate/feed", params={"cursor": "not-a-cursor"}, headers=gate.headers
    )
    assert (feed.status_code, feed.json()["code"]) == (422, "request.cursor_invalid")
    results = _ok(
        await client.post(
            "/api/v1/tourism/gate/scans",
            json={
                "scans": [
                    {"code": other_code, "scanned_at": now.isoformat()},
                    {"code": stale, "scanned_at": now.isoformat()},
                ]
            },
            headers=gate.headers,
        )
    )["results"]
    assert sorted(r["outcome"] for r in results) == ["code_expired", "wrong_spot"]
