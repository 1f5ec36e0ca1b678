"""A parking stay end to end over HTTP on the embedded default (SQLite + in-process store + sandbox):
an operator adds a car park (known to the gate twin too), a citizen links their plate and reserves a
bay for the next hours (one bay fewer is left), the car enters (the gate twin's event, read from its
feed, opens a stay and uses the reservation), asks to leave (the barrier stays closed: the stay owes
its first hour), the citizen pays in the (sandbox) cashier, the payment's notice owes the gate a
clearance, the outbox delivers it, the barrier opens and the car's exit closes the stay."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.smoke.payers import wechat_payer
from tests.smoke.server import free_port, operator_session, printed_passwords, serve

pytestmark = pytest.mark.embedded

PLATE = "苏N7K2Q8"
LOT = "SQ-P-SMOKE"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("parking")


def _until(read: Callable[[], Any], done: Callable[[Any], bool]) -> Any:
    deadline = time.monotonic() + 20
    found = read()
    while not done(found) and time.monotonic() < deadline:
        time.sleep(0.2)
        found = read()
    return found


def test_a_parking_stay_reserved_entered_exited_paid_and_the_gate_cleared(data_dir: Path) -> None:
    with serve(data_dir, free_port()) as base, httpx.Client(base_url=base) as web:
        (password,) = printed_passwords(data_dir)
        admin = operator_session(web, password)
        added = web.post(
            "/api/v1/parking/lots",
            json={
                "code": LOT,
                "name": "宿迁市民广场地下停车场",
                "address": "宿迁市宿城区洪泽湖路1号",
                "free_minutes": 0,  # the first minute is the first hour: something is due at once
                "hour_fen": 500,
                "daily_cap_fen": 4000,
                "bays": [{"code": "A01", "reservable": True}, {"code": "A02"}, {"code": "A03"}],
            },
            headers=admin,
        )
        assert added.status_code == 201, added.text
        lot = added.json()
        assert (lot["bays"], lot["reservable"]) == (3, 1)
        assert web.post("/_sandbox/parking/lots", json={"code": LOT}).status_code == 201

        _, citizen = wechat_payer(web)
        plate = web.post("/api/v1/parking/plates", json={"plate": PLATE}, headers=citizen)
        assert plate.status_code == 201, plate.text
        assert plate.json()["plate"] != PLATE  # shown masked

        now = datetime.now(UTC)
        window = {"starts_at": now.isoformat(), "ends_at": (now + timedelta(hours=2)).isoformat()}
        availability = f"/api/v1/parking/lots/{lot['id']}/availability"
        assert web.get(availability, params=window).json()["left"] == 1
        reserved = web.post(
            "/api/v1/parking/reservations",
            json={"lot_id": lot["id"], "plate_id": plate.json()["id"], **window},
            headers=citizen,
        )
        assert reserved.status_code == 201, reserved.text
        assert web.get(availability, params=window).json()["left"] == 0
        full = web.post(
            "/api/v1/parking/reservations",
            json={"lot_id": lot["id"], "plate_id": plate.json()["id"], **window},
            headers=citizen,
        )
        assert full.status_code == 409, full.text
        assert full.json()["code"] == "parking.lot_full"

        # The car arrives: the gate twin's camera reads it; the feed opens a stay.
        arrived = web.post(f"/_sandbox/parking/lots/{LOT}/arrive", json={"plate": PLATE})
        assert arrived.status_code == 201, arrived.text

        def stays() -> list[dict[str, Any]]:
            answer = web.get("/api/v1/parking/stays", headers=citizen)
            assert answer.status_code == 200, answer.text
            items: list[dict[str, Any]] = answer.json()["items"]
            return items

        (stay,) = _until(stays, lambda items: len(items) == 1)
        assert (stay["status"], stay["reserved"], stay["paid_fen"]) == ("parked", True, 0)
        assert stay["due_fen"] == 500
        mine = web.get("/api/v1/parking/reservations", headers=citizen).json()["items"]
        assert mine[0]["status"] == "used"

        # At the exit the barrier stays closed: the first hour is owed.
        closed = web.post(f"/_sandbox/parking/lots/{LOT}/depart", json={"plate": PLATE})
        assert closed.json() == {"barrier": "closed"}
        path = f"/api/v1/parking/stays/{stay['id']}"
        exiting = _until(lambda: web.get(path, headers=citizen).json(), lambda s: s["status"] != "parked")
        assert exiting["status"] == "exiting", exiting

        # Only a citizen who linked the plate sees (and pays) its stay.
        _, stranger = wechat_payer(web)
        foreign = web.post(f"{path}/payments", json={"channel": "wechat_jsapi"}, headers=stranger)
        assert foreign.status_code == 404, foreign.text
        assert foreign.json()["code"] == "parking.stay_not_found"

        started = web.post(
            f"{path}/payments",
            json={"channel": "wechat_jsapi"},
            headers={**citizen, "Idempotency-Key": "park-pay-1"},
        )
        assert started.status_code == 201, started.text
        assert started.json()["amount_fen"] == 500
        order = web.get(f"/api/v1/payments/orders/{started.json()['order_id']}", headers=citizen).json()
        assert (order["status"], order["amount_fen"]) == ("pending", 500)
        # Asked again without a key while unpaid: the same order, never a second charge.
        again = web.post(f"{path}/payments", json={"channel": "wechat_jsapi"}, headers=citizen)
        assert again.status_code == 201, again.text
        assert again.json()["order_id"] == started.json()["order_id"]

        paid = web.post(f"/_sandbox/wechatpay/sandbox/orders/{order['out_trade_no']}/pay")
        assert paid.status_code == 200, paid.text

        # The notice owes the gate a clearance; the barrier opens and the car's exit closes the stay.
        done = _until(lambda: web.get(path, headers=citizen).json(), lambda s: s["status"] == "exited")
        assert done["status"] == "exited", done
        assert (done["paid_fen"], done["due_fen"]) == (500, 0)
        assert done["exited_at"] is not None
        clearances = web.get("/_sandbox/parking/clearances").json()
        assert [c["barrier"] for c in clearances] == ["open"], clearances
        # The car is gone: departing again is refused by the gate.
        gone = web.post(f"/_sandbox/parking/lots/{LOT}/depart", json={"plate": PLATE})
        assert gone.status_code == 409, gone.text
        assert web.get(f"/api/v1/payments/orders/{order['id']}", headers=citizen).json()["status"] == "paid"
