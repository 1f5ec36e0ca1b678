"""A hotel stay end to end over HTTP on the embedded default (SQLite + in-process store + sandbox): a
citizen registers and links their WeChat mini-program user, finds a seeded Suqian hotel's rooms for
tonight, books one (its night held: one room fewer is left), pays in the (sandbox) cashier, the
payment's notice confirms the booking, and self check-in with the citizen's own identity answers a
room and its key code from the PMS twin (a stranger's identity is refused first)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from backend.hotel.rules import local_today
from tests.smoke.payers import wechat_payer
from tests.smoke.server import free_port, serve
from tests.smoke.test_identity_embedded import _person

pytestmark = pytest.mark.embedded


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("hotel")


def _left(web: httpx.Client, hotel_id: str, room_type_id: str, arrival: str, departure: str) -> int:
    found = web.get(
        f"/api/v1/hotels/{hotel_id}/availability", params={"arrival": arrival, "departure": departure}
    )
    assert found.status_code == 200, found.text
    left: int = next(i for i in found.json()["items"] if i["room_type"]["id"] == room_type_id)["left"]
    return left


def _until(web: httpx.Client, path: str, headers: dict[str, str], done: Any) -> dict[str, Any]:
    deadline = time.monotonic() + 20
    body: dict[str, Any] = web.get(path, headers=headers).json()
    while not done(body) and time.monotonic() < deadline:
        time.sleep(0.2)
        body = web.get(path, headers=headers).json()
    return body


def test_a_hotel_booked_paid_and_checked_into_shows_the_room_key(data_dir: Path) -> None:
    with serve(data_dir, free_port()) as base, httpx.Client(base_url=base) as web:
        person, citizen = wechat_payer(web)
        hotels = web.get("/api/v1/hotels").json()["items"]
        hotel = next(h for h in hotels if h["code"] == "SQ-HT-001")  # seeded, and known to the PMS twin
        detail = web.get(f"/api/v1/hotels/{hotel['id']}").json()
        king = next(k for k in detail["room_types"] if k["code"] == "KING")
        today = local_today(datetime.now(UTC))
        arrival, departure = today.isoformat(), (today + timedelta(days=1)).isoformat()
        before = _left(web, hotel["id"], king["id"], arrival, departure)
        assert before == king["rooms"]

        started = web.post(
            "/api/v1/hotel-bookings",
            json={
                "room_type_id": king["id"],
                "arrival": arrival,
                "departure": departure,
                "channel": "wechat_jsapi",
            },
            headers={**citizen, "Idempotency-Key": "hotel-book-1"},
        )
        assert started.status_code == 201, started.text
        booking = started.json()["booking"]
        assert (booking["status"], booking["nights"], booking["amount_fen"]) == (
            "pending",
            1,
            king["price_fen"],
        )
        assert booking["key_code"] is None
        assert set(started.json()["pay_arguments"]) >= {"package", "paySign"}
        # The night is held: one room fewer for tonight; a retry with the same key books nothing more.
        assert _left(web, hotel["id"], king["id"], arrival, departure) == before - 1
        again = web.post(
            "/api/v1/hotel-bookings",
            json={
                "room_type_id": king["id"],
                "arrival": arrival,
                "departure": departure,
                "channel": "wechat_jsapi",
            },
            headers={**citizen, "Idempotency-Key": "hotel-book-1"},
        )
        assert again.status_code == 201, again.text
        assert again.json()["booking"]["id"] == booking["id"]
        assert _left(web, hotel["id"], king["id"], arrival, departure) == before - 1

        # Not paid yet: no check-in.
        early = web.post(
            f"/api/v1/hotel-bookings/{booking['id']}/check-in",
            json={"name": person["name"], "id_number": person["id_number"]},
            headers=citizen,
        )
        assert early.status_code == 409, early.text
        assert early.json()["code"] == "hotel.booking_not_confirmed"

        order = web.get(f"/api/v1/payments/orders/{booking['order_id']}", headers=citizen).json()
        assert (order["status"], order["amount_fen"]) == ("pending", king["price_fen"])
        paid = web.post(f"/_sandbox/wechatpay/sandbox/orders/{order['out_trade_no']}/pay")
        assert paid.status_code == 200, paid.text
        path = f"/api/v1/hotel-bookings/{booking['id']}"
        confirmed = _until(web, path, citizen, lambda b: b["status"] != "pending")
        assert confirmed["status"] == "confirmed", confirmed

        # Someone else's card at the kiosk: refused, and the PMS is never asked.
        stranger = _person(web)
        refused = web.post(
            f"/api/v1/hotel-bookings/{booking['id']}/check-in",
            json={"name": stranger["name"], "id_number": stranger["id_number"]},
            headers=citizen,
        )
        assert refused.status_code == 403, refused.text
        assert refused.json()["code"] == "hotel.identity_mismatch"

        checked = web.post(
            f"/api/v1/hotel-bookings/{booking['id']}/check-in",
            json={"name": person["name"], "id_number": person["id_number"]},
            headers=citizen,
        )
        assert checked.status_code == 200, checked.text
        room = checked.json()
        assert room["status"] == "checked_in"
        assert room["room_no"] in ("801", "802", "803")
        assert room["key_code"], room
        assert room["key_valid_until"] > departure
        # A retry, and a later read, answer the same room and key; the PMS took one check-in.
        retried = web.post(
            f"/api/v1/hotel-bookings/{booking['id']}/check-in",
            json={"name": person["name"], "id_number": person["id_number"]},
            headers=citizen,
        ).json()
        assert (retried["room_no"], retried["key_code"]) == (room["room_no"], room["key_code"])
        assert web.get(path, headers=citizen).json()["key_code"] == room["key_code"]
        taken = web.get("/_sandbox/hotelpms/check-ins").json()
        assert len([t for t in taken if t["booking_ref"] == booking["id"]]) == 1, taken
        # The key code is the guest's only.
        _, other = wechat_payer(web)
        assert web.get(path, headers=other).status_code == 404

        # The last room of a type, on SQLite too: the conditional UPDATE leaves none for a second guest.
        second = next(h for h in hotels if h["code"] == "SQ-HT-002")
        suite = next(
            k for k in web.get(f"/api/v1/hotels/{second['id']}").json()["room_types"] if k["code"] == "SUITE"
        )
        assert suite["rooms"] == 1
        stay = {"room_type_id": suite["id"], "arrival": arrival, "departure": departure}
        first = web.post("/api/v1/hotel-bookings", json={**stay, "channel": "wechat_jsapi"}, headers=citizen)
        assert first.status_code == 201, first.text
        sold = web.post("/api/v1/hotel-bookings", json={**stay, "channel": "wechat_jsapi"}, headers=other)
        assert sold.status_code == 409, sold.text
        assert sold.json()["code"] == "hotel.sold_out"
        assert _left(web, second["id"], suite["id"], arrival, departure) == 0
