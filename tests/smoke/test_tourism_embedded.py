"""A scenic-spot ticket end to end over HTTP on the embedded default (SQLite + in-process store +
sandbox): the seeded Suqian spots are listed; an operator adds a spot open all day and a gate for it;
a citizen adds themselves as a visitor, holds a ticket, pays it in the (sandbox) WeChat cashier, the
platform's notice reaches the feature through the outbox, the ticket's rotating code is shown and
the gate lets it in once."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from backend.tourism.model import BEIJING
from tests.smoke.server import free_port, operator_session, printed_passwords, serve
from tests.smoke.test_code_embedded import _citizen

pytestmark = pytest.mark.embedded


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("tourism")


def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def test_a_ticket_is_bought_paid_shown_and_redeemed_at_a_gate_on_the_embedded_default(data_dir: Path) -> None:
    settle = {"SUQIAN_TOURISM_FEED_SETTLE": "1"}  # offline gates' feed: changes a second old
    with serve(data_dir, free_port(), **settle) as base, httpx.Client(base_url=base, timeout=10) as web:
        seeded = {s["name"] for s in _ok(web.get("/api/v1/tourism/spots"))["items"]}
        assert {"洪泽湖湿地公园", "项王故里", "三台山国家森林公园", "骆马湖旅游度假区"} <= seeded

        (password,) = printed_passwords(data_dir)
        admin = operator_session(web, password)
        spot = _ok(
            web.post(
                "/api/v1/admin/tourism/spots",
                json={
                    "slug": "xiangwang-night",
                    "name": "项王故里（全天）",
                    "address": "宿城区梧桐巷1号",
                    "opens": 0,
                    "closes": 1440,
                    "slot_minutes": 1440,
                    "daily_capacity": 100,
                    "products": [{"kind": "adult", "name": "成人票", "price_fen": 5000}],
                },
                headers=admin,
            ),
            201,
        )
        gate = _gate(web, admin, spot["slug"])
        offline_gate = _gate(web, admin, spot["slug"])

        citizen = _citizen(web)
        me = _ok(web.post("/api/v1/tourism/visitors/self", headers=citizen), 201)
        today = datetime.now(BEIJING).date().isoformat()
        (slot,) = _ok(web.get(f"/api/v1/tourism/spots/{spot['id']}/slots", params={"day": today}))["items"]
        assert (slot["capacity"], slot["available"]) == (100, 100)
        hold = _ok(
            web.post(
                "/api/v1/tourism/holds",
                json={
                    "slot_id": slot["id"],
                    "tickets": [{"visitor_id": me["id"], "product_id": spot["products"][0]["id"]}],
                },
                headers={**citizen, "Idempotency-Key": "hold-1"},
            ),
            201,
        )
        started = _ok(
            web.post(
                f"/api/v1/tourism/holds/{hold['id']}/pay", json={"channel": "wechat_app"}, headers=citizen
            ),
            201,
        )
        order = _ok(web.get(f"/api/v1/payments/orders/{started['hold']['order_id']}", headers=citizen))
        assert (order["status"], order["amount_fen"]) == ("pending", 5000)
        _ok(web.post(f"/_sandbox/wechatpay/sandbox/orders/{order['out_trade_no']}/pay"))  # the app's cashier

        deadline = time.monotonic() + 30
        read = _ok(web.get(f"/api/v1/tourism/holds/{hold['id']}", headers=citizen))
        while read["state"] != "paid" and time.monotonic() < deadline:
            time.sleep(0.2)
            read = _ok(web.get(f"/api/v1/tourism/holds/{hold['id']}", headers=citizen))
        assert read["state"] == "paid", read
        (ticket,) = read["tickets"]
        assert ticket["state"] == "valid"

        shown = _ok(web.get(f"/api/v1/tourism/tickets/{ticket['id']}/code", headers=citizen))
        assert shown["code"].startswith("SQ1:")
        let_in = _ok(web.post("/api/v1/tourism/gate/redeem", json={"code": shown["code"]}, headers=gate))
        assert let_in["ticket_id"] == ticket["id"]
        again = web.post("/api/v1/tourism/gate/redeem", json={"code": shown["code"]}, headers=gate)
        assert (again.status_code, again.json()["code"]) == (409, "tourism.ticket_used")
        (left,) = _ok(web.get(f"/api/v1/tourism/spots/{spot['id']}/slots", params={"day": today}))["items"]
        assert left["available"] == 99

        # A second gate was offline: it had let the same ticket in; its upload is flagged, re-sent
        # it is answered alike, and its feed shows the ticket used.
        scan = {"code": shown["code"], "scanned_at": datetime.now(BEIJING).isoformat()}
        for _ in range(2):
            (result,) = _ok(
                web.post("/api/v1/tourism/gate/scans", json={"scans": [scan]}, headers=offline_gate)
            )["results"]
            assert (result["outcome"], result["ticket_id"]) == ("duplicate", ticket["id"])
        flags = _ok(
            web.get(
                f"/api/v1/admin/tourism/spots/{spot['id']}/gate-flags", params={"day": today}, headers=admin
            )
        )["items"]
        assert [f["ticket_id"] for f in flags] == [ticket["id"]]
        deadline = time.monotonic() + 15
        feed = _ok(web.get("/api/v1/tourism/gate/feed", headers=offline_gate))
        while not feed["items"] and time.monotonic() < deadline:
            time.sleep(0.3)
            feed = _ok(web.get("/api/v1/tourism/gate/feed", headers=offline_gate))
        assert [(e["state"], e["kind"]) for e in feed["items"]] == [("redeemed", "adult")]


def _gate(web: httpx.Client, admin: dict[str, str], venue: str) -> dict[str, str]:
    registered = _ok(
        web.post("/api/v1/admin/scanners", json={"scene": "scenic_spot", "venue": venue}, headers=admin), 201
    )
    device = _ok(
        web.post(
            "/api/v1/scanner/token",
            json={"device_id": registered["device"]["id"], "credential": registered["credential"]},
        )
    )
    return {"Authorization": f"Bearer {device['access_token']}"}
