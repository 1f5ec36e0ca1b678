"""The 12345 hotline end to end over HTTP on the embedded default (SQLite + in-process store +
sandbox): abusive text is a 422 naming the reason; a citizen uploads a photo and files a tourism
complaint while 12345 is down — a tracking number at once, status `queued`; once 12345 is back the
ticket reaches it exactly once with its photo; asking 12345 about it during a second outage is a 503
with its code; each department reply is pulled and told to the citizen, and the closed ticket is rated
once, the rating reaching 12345."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.backend.application.factories import png
from tests.smoke.server import free_port, serve
from tests.smoke.test_credit_embedded import registered, until

pytestmark = pytest.mark.embedded

COMPLAINT = {
    "kind": "complaint",
    "category": "tourism",
    "title": "景区门票价格与公示不符",
    "content": "项王故里售票处实际收费120元，高于公示的80元，请核查。",
    "location": {"address": "宿迁市宿城区项王故里景区售票处", "district": "宿城区"},
    "contact_phone": "13905270001",
}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("hotline")


def test_a_tourism_complaint_through_an_outage_to_its_rating(data_dir: Path) -> None:
    with (
        # A 2 s breaker cool-down: the outage below opens it, and the wait after is not the point.
        serve(
            data_dir, free_port(), SUQIAN_HOTLINE_POLL_SECONDS="0.5", SUQIAN_UPSTREAM_BREAKER_OPEN_SECONDS="2"
        ) as base,
        httpx.Client(base_url=base, timeout=30) as web,
    ):
        _, citizen = registered(web)
        assert {"code": "tourism", "name": "文化旅游"} in web.get("/api/v1/hotline/categories").json()[
            "items"
        ]
        photo = web.post(
            "/api/v1/hotline/photos", content=png(b"smoke"), headers={**citizen, "content-type": "image/png"}
        )
        assert photo.status_code == 201, photo.text

        rude = web.post(
            "/api/v1/hotline/tickets",
            json=COMPLAINT | {"content": "售票员就是个傻逼，态度恶劣至极"},
            headers=citizen,
        )
        assert (rude.status_code, rude.json()["code"], rude.json()["extra"]["reason"]) == (
            422,
            "hotline.content_rejected",
            "abuse",
        )

        web.post("/_sandbox/hotline12345/faults", json={"down": True})
        try:
            filed = web.post(
                "/api/v1/hotline/tickets",
                json=COMPLAINT | {"photo_ids": [photo.json()["id"]]},
                headers={**citizen, "Idempotency-Key": "smoke-ticket-1"},
            )
            assert filed.status_code == 201, filed.text
            ticket = filed.json()
            assert (ticket["status"], ticket["tracking_no"][:2]) == ("queued", "RX")
        finally:
            web.post("/_sandbox/hotline12345/faults/reset")

        path = f"/api/v1/hotline/tickets/{ticket['id']}"
        received = until(
            lambda: web.get(path, headers=citizen).json(), lambda b: b["status"] == "received", 60
        )
        assert received["status"] == "received", received
        tickets = web.get("/_sandbox/hotline12345/tickets").json()
        at_platform = [t for t in tickets if t["ticket"]["reference"] == ticket["tracking_no"]]
        assert len(at_platform) == 1
        assert at_platform[0]["ticket"]["attachments"] == [photo.json()["sha256"]]
        # Asking 12345 now while it is down: a 503 with its code (the ticket stays readable by GET).
        web.post("/_sandbox/hotline12345/faults", json={"down": True})
        try:
            refresh = web.post(f"{path}/refresh", headers=citizen)
            assert (refresh.status_code, refresh.json()["code"]) == (503, "hotline.unavailable")
            assert web.get(path, headers=citizen).status_code == 200
        finally:
            web.post("/_sandbox/hotline12345/faults/reset")
        ticket_no = received["ticket_no"]

        for text, close in (("已转市场监管部门核查", False), ("经核查属实，已责令退还差价", True)):
            answered = web.post(
                f"/_sandbox/hotline12345/tickets/{ticket_no}/replies",
                json={"department": "宿迁市文化广电和旅游局", "text": text, "close": close},
            )
            assert answered.status_code == 201, answered.text
        closed = until(lambda: web.get(path, headers=citizen).json(), lambda b: b["status"] == "closed", 30)
        assert [r["text"] for r in closed["replies"]] == [
            "已转市场监管部门核查",
            "经核查属实，已责令退还差价",
        ]
        inbox = until(
            lambda: web.get("/api/v1/notifications", headers=citizen).json(),
            lambda b: len(b["items"]) >= 2,
            30,
        )
        assert [m["template"] for m in inbox["items"]] == ["hotline.replied", "hotline.replied"]

        rated = web.post(f"{path}/rating", json={"score": 5, "comment": "处理及时"}, headers=citizen)
        assert rated.status_code == 201, rated.text
        again = web.post(f"{path}/rating", json={"score": 1}, headers=citizen)
        assert again.json()["code"] == "hotline.already_rated"

        def platform_rating() -> dict[str, object]:
            tickets = web.get("/_sandbox/hotline12345/tickets").json()
            return next(t["status"] for t in tickets if t["status"]["ticket_no"] == ticket_no)

        assert until(platform_rating, lambda s: s["rating"] == 5, 30)["rating"] == 5
        _, stranger = registered(web)
        assert web.get(path, headers=stranger).json()["code"] == "hotline.ticket_not_found"
