"""Parking over HTTP on PostgreSQL: the last reservable bay goes to one of many concurrent drivers, a
stay is entered, asked out, paid once however often the payment is told and let out by the gate, a
free stay leaves without paying, and plates are erased after the retention period."""

from __future__ import annotations

import asyncio
import secrets
from datetime import timedelta

import httpx
import pytest

from backend.parking import feature as parking_feature
from backend.parking.service import hour_of
from integrations.parking.twin import ParkingState
from tests.backend.hotel.factories import deliver_outbox
from tests.backend.parking.factories import camera, feed, make_driver, make_lot, parking
from tests.backend.payment.factories import buyer_pays, deliver, last_notification, payments
from tests.services import Services


def _window(services: Services) -> dict[str, str]:
    start = services.clock.now().replace(minute=0, second=0, microsecond=0) + timedelta(hours=2)
    return {"starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=3)).isoformat()}


async def test_the_last_bay_goes_to_exactly_one_of_ten_concurrent_drivers(
    services: Services, client: httpx.AsyncClient
) -> None:
    lot = await make_lot(services, client, reservable=1)
    drivers = [await make_driver(client) for _ in range(10)]
    window = _window(services)
    answers = await asyncio.gather(
        *(
            client.post(
                "/api/v1/parking/reservations",
                json={"lot_id": str(lot.id), "plate_id": d.plate_id, **window},
                headers=d.headers,
            )
            for d in drivers
        )
    )
    assert sorted(a.status_code for a in answers) == [201] + [409] * 9, [a.text for a in answers]
    assert {a.json()["code"] for a in answers if a.status_code == 409} == {"parking.lot_full"}
    left = await client.get(f"/api/v1/parking/lots/{lot.id}/availability", params=window)
    assert left.json()["left"] == 0
    winner_answer = next(a for a in answers if a.status_code == 201)
    winner = drivers[answers.index(winner_answer)]
    cancelled = await client.post(
        f"/api/v1/parking/reservations/{winner_answer.json()['id']}/cancel", headers=winner.headers
    )
    assert cancelled.json()["status"] == "cancelled"
    assert (await client.get(f"/api/v1/parking/lots/{lot.id}/availability", params=window)).json()[
        "left"
    ] == 1


async def test_a_window_overlapping_a_full_hour_takes_no_hour(
    services: Services, client: httpx.AsyncClient
) -> None:
    lot = await make_lot(services, client, reservable=1)
    first, second = await make_driver(client), await make_driver(client)
    start = services.clock.now().replace(minute=0, second=0, microsecond=0) + timedelta(hours=3)
    one_hour = {"starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=1)).isoformat()}
    taken = await client.post(
        "/api/v1/parking/reservations", json={"lot_id": str(lot.id), "plate_id": first.plate_id, **one_hour},
        headers=first.headers,
    )  # fmt: skip
    assert taken.status_code == 201, taken.text
    wider = {
        "starts_at": (start - timedelta(hours=1)).isoformat(),
        "ends_at": (start + timedelta(hours=1)).isoformat(),
    }
    refused = await client.post(
        "/api/v1/parking/reservations", json={"lot_id": str(lot.id), "plate_id": second.plate_id, **wider},
        headers=second.headers,
    )  # fmt: skip
    assert refused.json()["code"] == "parking.lot_full"
    before = hour_of(start - timedelta(hours=1))
    assert await parking(services)._lots.reserved(lot.id, before, before + 1) == 0


async def test_a_stay_is_entered_paid_once_and_let_out(services: Services, client: httpx.AsyncClient) -> None:
    parking(services)  # registered as the payment owner "parking"
    lot = await make_lot(services, client, free_minutes=0)
    driver = await make_driver(client, pays=True)
    await camera(client, lot, "arrive", driver.plate)
    assert await feed(services).step() >= 1
    stays = (await client.get("/api/v1/parking/stays", headers=driver.headers)).json()["items"]
    assert [(s["status"], s["due_fen"], s["plate"][:2]) for s in stays] == [("parked", 500, "苏N")]
    assert (await camera(client, lot, "depart", driver.plate))["barrier"] == "closed"
    await feed(services).step()
    stay_id = stays[0]["id"]
    started = await client.post(
        f"/api/v1/parking/stays/{stay_id}/payments", json={"channel": "wechat_jsapi"}, headers=driver.headers
    )
    assert started.status_code == 201, started.text
    assert (started.json()["amount_fen"], started.json()["stay"]["status"]) == (500, "exiting")
    order = await payments(services).get(started.json()["order_id"])
    await buyer_pays(client, order.out_trade_no)
    for _ in range(3):  # the platform's notification, replayed
        assert (await deliver(client, last_notification(services))).status_code == 204
    await deliver_outbox(services)
    order = await payments(services).get(order.id)
    notice = payments(services).notice(
        order, "paid", paid_fen=500, refunded_fen=0, transaction_id=order.transaction_id, now=order.created_at
    )
    await parking(services).on_payment(notice)  # the owner's notice handled again
    await deliver_outbox(services)
    await feed(services).step()
    after = (await client.get(f"/api/v1/parking/stays/{stay_id}", headers=driver.headers)).json()
    assert (after["status"], after["paid_fen"], after["due_fen"]) == ("exited", 500, 0)
    sandbox = services.upstreams.sandbox
    assert sandbox is not None
    gate = sandbox.state("parking")
    assert isinstance(gate, ParkingState)
    cleared = [body for _, body, _ in gate.clearances.values() if body.stay_ref == stay_id]
    assert [(c.plate, c.paid_fen) for c in cleared] == [(driver.plate, 500)]  # one clearance, once


async def test_a_stay_within_the_free_minutes_leaves_without_paying(
    services: Services, client: httpx.AsyncClient
) -> None:
    lot = await make_lot(services, client, free_minutes=15)
    driver = await make_driver(client)
    await camera(client, lot, "arrive", driver.plate)
    await camera(client, lot, "depart", driver.plate)
    await feed(services).step()
    stay = (await client.get("/api/v1/parking/stays", headers=driver.headers)).json()["items"][0]
    refused = await client.post(
        f"/api/v1/parking/stays/{stay['id']}/payments",
        json={"channel": "wechat_jsapi"},
        headers=driver.headers,
    )
    assert refused.json()["code"] == "parking.nothing_to_pay"
    await deliver_outbox(services)
    await feed(services).step()
    left = (await client.get(f"/api/v1/parking/stays/{stay['id']}", headers=driver.headers)).json()
    assert (left["status"], left["paid_fen"]) == ("exited", 0)


async def test_plates_are_erased_after_the_retention_period(
    services: Services, client: httpx.AsyncClient
) -> None:
    lot = await make_lot(services, client, free_minutes=15)
    driver = await make_driver(client)
    await camera(client, lot, "arrive", driver.plate)
    await camera(client, lot, "depart", driver.plate)
    await feed(services).step()
    await deliver_outbox(services)
    await feed(services).step()
    stay = (await client.get("/api/v1/parking/stays", headers=driver.headers)).json()["items"][0]
    assert stay["status"] == "exited"
    retention = parking(services).settings.retention_days
    await parking(services).sweep(now=services.clock.now() + timedelta(days=retention - 1))
    assert (
        await client.get(f"/api/v1/parking/stays/{stay['id']}", headers=driver.headers)
    ).status_code == 200
    await parking(services).sweep(now=services.clock.now() + timedelta(days=retention + 1))
    gone = await client.get(f"/api/v1/parking/stays/{stay['id']}", headers=driver.headers)
    assert gone.json()["code"] == "parking.stay_not_found"
    row = await parking(services)._stays.find(stay["id"])
    assert row is not None
    assert (row.plate_sealed, row.plate_index, row.anonymised_at is not None) == ("", "", True)


async def test_a_malformed_plate_is_refused(client: httpx.AsyncClient) -> None:
    driver = await make_driver(client)
    for plate in ("苏I12345", "苏N12345G", "AB12345"):
        answer = await client.post("/api/v1/parking/plates", json={"plate": plate}, headers=driver.headers)
        assert answer.status_code == 422, answer.text
        assert answer.json()["code"] == "parking.plate_invalid"


async def test_only_a_citizen_who_linked_the_plate_sees_or_pays_its_stay(
    services: Services, client: httpx.AsyncClient
) -> None:
    lot = await make_lot(services, client, free_minutes=0)
    driver, stranger = await make_driver(client), await make_driver(client, pays=True)
    await camera(client, lot, "arrive", driver.plate)
    await feed(services).step()
    stay = (await client.get("/api/v1/parking/stays", headers=driver.headers)).json()["items"][0]
    assert (await client.get("/api/v1/parking/stays", headers=stranger.headers)).json()["items"] == []
    for answer in (
        await client.get(f"/api/v1/parking/stays/{stay['id']}", headers=stranger.headers),
        await client.post(
            f"/api/v1/parking/stays/{stay['id']}/payments",
            json={"channel": "wechat_jsapi"},
            headers=stranger.headers,
        ),
    ):
        assert answer.status_code == 404, answer.text
        assert answer.json()["code"] == "parking.stay_not_found"
    # Once the plate is unlinked, its owner no longer pays (or sees) the stay either.
    unlinked = await client.delete(f"/api/v1/parking/plates/{driver.plate_id}", headers=driver.headers)
    assert unlinked.status_code == 204, unlinked.text
    gone = await client.post(
        f"/api/v1/parking/stays/{stay['id']}/payments", json={"channel": "wechat_app"}, headers=driver.headers
    )
    assert gone.json()["code"] == "parking.stay_not_found"


async def test_an_exit_never_seen_entering_is_skipped_and_the_feed_moves_on(
    services: Services, client: httpx.AsyncClient
) -> None:
    """A car at the exit that the feed never saw enter (before our time, or a misread) opens no stay
    and owes the gate nothing (the lot's staff decide); the events after it are applied as usual."""
    lot = await make_lot(services, client, free_minutes=0)
    unseen, later = await make_driver(client), await make_driver(client)
    sandbox = services.upstreams.sandbox
    assert sandbox is not None
    gate = sandbox.state("parking")
    assert isinstance(gate, ParkingState)
    # Its entry happened outside the feed: the car is inside as far as the gate knows, no event said so.
    gate.inside.add((lot.code, unseen.plate))
    assert (await camera(client, lot, "depart", unseen.plate))["barrier"] == "closed"
    await camera(client, lot, "arrive", later.plate)
    assert await feed(services).step() >= 2
    assert (await client.get("/api/v1/parking/stays", headers=unseen.headers)).json()["items"] == []
    stays = (await client.get("/api/v1/parking/stays", headers=later.headers)).json()["items"]
    assert [s["status"] for s in stays] == ["parked"]
    await deliver_outbox(services)
    assert not [c for c in gate.clearances.values() if c[0] == lot.code]


async def test_workers_starting_together_seed_a_car_park_once(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two API workers seed at the same moment: one adds the car park with its bays, the other meets
    it and starts all the same (it used to fail its start on the unique code)."""
    code = f"SEED-{secrets.token_hex(4)}"
    monkeypatch.setattr(parking_feature, "SEED", ((code, "测试停车场", "宿迁市", 5, 2),))
    await asyncio.gather(*(parking_feature._seed(services.wiring) for _ in range(3)))
    seeded = [lot for lot in await parking(services).lots() if lot.code == code]
    assert [(lot.bays, lot.reservable) for lot in seeded] == [(5, 2)]
