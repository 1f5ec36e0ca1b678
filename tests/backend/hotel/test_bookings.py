"""Hotel bookings over HTTP on PostgreSQL: the last room goes to one of many concurrent guests, a
stay takes every night or none, a paid booking is confirmed once however often the payment is told,
cancellation refunds by the hotel's rule, self check-in answers a room and its key code, and an
unpaid hold expires with its order: the order closed, the nights given back."""

from __future__ import annotations

import asyncio
import secrets
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from backend.hotel import feature as hotel_feature
from backend.payment.refunds import RefundService
from tests.backend.hotel.factories import Guest, book, deliver_outbox, hotels, make_guest, make_hotel, stay
from tests.backend.payment.factories import buyer_pays, deliver, last_notification, payments, wechat_twin
from tests.services import Services


async def _paid_booking(
    services: Services, client: httpx.AsyncClient, **hotel: int
) -> tuple[Guest, dict[str, Any]]:
    hotels(services)  # registered as the payment owner "hotel"
    guest = await make_guest(client)
    _, kind = await make_hotel(services, client, **hotel)
    arrival, departure = stay(services)
    started = await book(client, guest, kind, arrival, departure)
    assert started.status_code == 201, started.text
    order = await payments(services).get(started.json()["booking"]["order_id"])
    await buyer_pays(client, order.out_trade_no)
    assert (await deliver(client, last_notification(services))).status_code == 204
    await deliver_outbox(services)
    return guest, started.json()["booking"]


async def test_the_last_room_goes_to_exactly_one_of_ten_concurrent_guests(
    services: Services, client: httpx.AsyncClient
) -> None:
    _, kind = await make_hotel(services, client, rooms=1)
    guests = [await make_guest(client, pays=False) for _ in range(10)]
    arrival, departure = stay(services, ahead=3)
    answers = await asyncio.gather(
        *(book(client, g, kind, arrival, departure, channel="wechat_app") for g in guests)
    )
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [201] + [409] * 9, [a.text for a in answers]
    assert {a.json()["code"] for a in answers if a.status_code == 409} == {"hotel.sold_out"}
    left = await hotels(services).availability(kind.hotel_id, arrival, departure)
    assert [n for _, n in left] == [0]


async def test_a_stay_takes_every_night_or_none(services: Services, client: httpx.AsyncClient) -> None:
    hotel, kind = await make_hotel(services, client, rooms=1)
    first, second = await make_guest(client, pays=False), await make_guest(client, pays=False)
    arrival, _ = stay(services, ahead=5)
    later, later_end = stay(services, ahead=6, nights=2)
    assert (await book(client, first, kind, later, later_end, channel="wechat_app")).status_code == 201
    night_five = await book(client, second, kind, arrival, later, channel="wechat_app")
    assert night_five.status_code == 201
    overlapping = await book(
        client,
        await make_guest(client, pays=False),
        kind,
        *stay(services, ahead=4, nights=3),
        channel="wechat_app",
    )
    assert overlapping.json()["code"] == "hotel.sold_out"
    # The refused stay's free first night (4) was not kept: the partial take was rolled back.
    only_four = await client.get(
        f"/api/v1/hotels/{hotel.id}/availability",
        params={"arrival": stay(services, ahead=4)[0].isoformat(), "departure": arrival.isoformat()},
    )
    assert only_four.json()["items"][0]["left"] == 1


async def test_a_paid_booking_is_confirmed_once_however_often_it_is_told(
    services: Services, client: httpx.AsyncClient
) -> None:
    guest, booking = await _paid_booking(services, client)
    read = await client.get(f"/api/v1/hotel-bookings/{booking['id']}", headers=guest.headers)
    assert read.json()["status"] == "confirmed"
    order = await payments(services).get(booking["order_id"])
    notice = payments(services).notice(
        order,
        "paid",
        paid_fen=order.paid_fen,
        refunded_fen=0,
        transaction_id=order.transaction_id,
        now=order.created_at,
    )
    for _ in range(3):  # the notification replayed, and the owner's notice handled again
        assert (await deliver(client, last_notification(services))).status_code == 204
        await hotels(services).on_payment(notice)
    again = await client.get(f"/api/v1/hotel-bookings/{booking['id']}", headers=guest.headers)
    assert again.json() == read.json()
    assert await services.wiring.get(RefundService).of_order(order.id) == []


async def test_a_cancellation_before_the_cut_off_refunds_everything_once(
    services: Services, client: httpx.AsyncClient
) -> None:
    guest, booking = await _paid_booking(services, client, free_cancel_hours=0, check_in_minute=1439)
    cancelled = await client.post(f"/api/v1/hotel-bookings/{booking['id']}/cancel", headers=guest.headers)
    assert cancelled.status_code == 200, cancelled.text
    assert (cancelled.json()["status"], cancelled.json()["fee_fen"]) == ("cancelled", 0)
    assert cancelled.json()["refund_fen"] == booking["amount_fen"]
    await deliver_outbox(services)
    await deliver_outbox(services)
    refunds = await services.wiring.get(RefundService).of_order(booking["order_id"])
    assert [r.amount_fen for r in refunds] == [booking["amount_fen"]]
    twice = await client.post(f"/api/v1/hotel-bookings/{booking['id']}/cancel", headers=guest.headers)
    assert twice.json()["code"] == "hotel.booking_not_cancellable"
    left = await hotels(services).availability(booking["hotel_id"], *stay(services))
    assert [n for _, n in left] == [1]


async def test_a_late_cancellation_keeps_the_first_nights_fee(
    services: Services, client: httpx.AsyncClient
) -> None:
    guest, booking = await _paid_booking(
        services, client, price_fen=30000, free_cancel_hours=0, check_in_minute=0, late_fee_percent=50
    )
    cancelled = await client.post(f"/api/v1/hotel-bookings/{booking['id']}/cancel", headers=guest.headers)
    assert (cancelled.json()["fee_fen"], cancelled.json()["refund_fen"]) == (15000, 60000 - 15000)
    await deliver_outbox(services)
    refunds = await services.wiring.get(RefundService).of_order(booking["order_id"])
    assert [r.amount_fen for r in refunds] == [45000]


async def test_self_check_in_checks_the_identity_and_answers_a_room_and_key(
    services: Services, client: httpx.AsyncClient
) -> None:
    guest, booking = await _paid_booking(services, client)
    path = f"/api/v1/hotel-bookings/{booking['id']}/check-in"
    wrong = await client.post(
        path,
        json={"name": guest.name, "id_number": "321302199001010012"},
        headers=guest.headers,
    )
    assert wrong.status_code == 403, wrong.text
    assert wrong.json()["code"] == "hotel.identity_mismatch"
    body = {"name": guest.name, "id_number": guest.id_number}
    checked = await client.post(path, json=body, headers=guest.headers)
    assert checked.status_code == 200, checked.text
    assert checked.json()["status"] == "checked_in"
    assert checked.json()["room_no"] == "800"
    assert len(checked.json()["key_code"]) == 6
    again = await client.post(path, json=body, headers=guest.headers)
    assert again.json() == checked.json()
    taken = [
        c
        for c in (await client.get("/_sandbox/hotelpms/check-ins")).json()
        if c["booking_ref"] == booking["id"]
    ]
    assert len(taken) == 1
    assert "*" in taken[0]["guest_id_number"]


async def test_a_booking_is_not_checked_into_before_it_is_paid(
    services: Services, client: httpx.AsyncClient
) -> None:
    guest = await make_guest(client)
    _, kind = await make_hotel(services, client)
    started = await book(client, guest, kind, *stay(services))
    answer = await client.post(
        f"/api/v1/hotel-bookings/{started.json()['booking']['id']}/check-in",
        json={"name": guest.name, "id_number": guest.id_number},
        headers=guest.headers,
    )
    assert answer.json()["code"] == "hotel.booking_not_confirmed"


async def _expire_holds(services: Services, now: datetime) -> None:
    """Run the hold sweep as its background job would, at ``now``, until nothing more is due (the
    database is shared: earlier tests may have left holds of their own)."""
    for _ in range(20):
        if not await hotels(services).sweep(now=now, limit=500):
            return


async def test_an_unpaid_hold_expires_its_order_closed_and_its_nights_given_back(
    services: Services, client: httpx.AsyncClient
) -> None:
    guest = await make_guest(client)
    hotel, kind = await make_hotel(services, client, rooms=1)
    arrival, departure = stay(services, ahead=2, nights=3)
    started = await book(client, guest, kind, arrival, departure)
    assert started.status_code == 201, started.text
    booking = started.json()["booking"]
    order = await payments(services).get(booking["order_id"])
    assert datetime.fromisoformat(booking["expires_at"]) == order.expires_at
    left = await hotels(services).availability(hotel.id, arrival, departure)
    assert [n for _, n in left] == [0]

    # Before the order's expiry the sweep leaves the hold alone.
    await _expire_holds(services, order.expires_at - timedelta(seconds=1))
    read = await client.get(f"/api/v1/hotel-bookings/{booking['id']}", headers=guest.headers)
    assert read.json()["status"] == "pending"

    await _expire_holds(services, order.expires_at + timedelta(seconds=1))
    read = await client.get(f"/api/v1/hotel-bookings/{booking['id']}", headers=guest.headers)
    assert read.json()["status"] == "expired"
    closed = await payments(services).get(order.id)
    assert (closed.status, closed.platform_closed) == ("closed", True)
    assert wechat_twin(services).orders[order.out_trade_no].trade_state == "CLOSED"
    left = await hotels(services).availability(hotel.id, arrival, departure)
    assert [n for _, n in left] == [1]
    # Swept again, nothing is given back twice: every night is free once, so another guest takes
    # the whole stay, then nobody can.
    await _expire_holds(services, order.expires_at + timedelta(seconds=1))
    other = await make_guest(client, pays=False)
    assert (await book(client, other, kind, arrival, departure, channel="wechat_app")).status_code == 201
    third = await make_guest(client, pays=False)
    again = await book(client, third, kind, arrival, departure, channel="wechat_app")
    assert again.json()["code"] == "hotel.sold_out"


async def test_a_hold_whose_order_the_payment_sweep_closed_first_is_released(
    services: Services, client: httpx.AsyncClient
) -> None:
    guest = await make_guest(client, pays=False)
    hotel, kind = await make_hotel(services, client, rooms=1)
    arrival, departure = stay(services, ahead=1)
    started = await book(client, guest, kind, arrival, departure, channel="wechat_app")
    booking = started.json()["booking"]
    order = await payments(services).get(booking["order_id"])
    await payments(services).sweep(now=order.expires_at + timedelta(seconds=1))
    assert (await payments(services).get(order.id)).status == "closed"
    await _expire_holds(services, order.expires_at + timedelta(seconds=1))
    read = await client.get(f"/api/v1/hotel-bookings/{booking['id']}", headers=guest.headers)
    assert read.json()["status"] == "expired"
    left = await hotels(services).availability(hotel.id, arrival, departure)
    assert [n for _, n in left] == [1]


async def test_workers_starting_together_seed_a_hotel_once(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two API workers seed at the same moment: one adds the hotel with its room types, the other
    meets it and starts all the same (it used to fail its start on the unique code)."""
    code = f"SEED-{secrets.token_hex(4)}"
    hotel = {
        "code": code,
        "name": "测试酒店",
        "district": "宿城区",
        "address": "宿迁市",
        "phone": "0527-1234567",
        "check_in_minute": 840,
        "free_cancel_hours": 6,
        "late_fee_percent": 100,
    }
    kinds = [{"code": "KING", "name": "大床房", "beds": "1张大床", "rooms": 2, "price_fen": 30000}]
    monkeypatch.setattr(hotel_feature, "SEED", ((hotel, kinds),))
    await asyncio.gather(*(hotel_feature._seed(services.wiring) for _ in range(3)))
    seeded = [h for h in await hotels(services).hotels() if h.code == code]
    assert len(seeded) == 1
    assert [k.code for k in await hotels(services).room_types(seeded[0].id)] == ["KING"]
