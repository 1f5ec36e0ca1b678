"""A day at a hall on the embedded default (SQLite + in-process store), over real HTTP: an operator
sets the hall up, a citizen books the next slot, checks in with the hall's poster code, watches the
hall's stream and their place in line (polled with ETag), is called to a counter and finished — and
the hall's display board, in Debian's chromium, shows a number called through the API within 1 s."""

from __future__ import annotations

import json
import queue
import shutil
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service as DriverService
from selenium.webdriver.common.by import By

from backend.queues.model import LOCAL
from tests.smoke.server import free_port, operator_session, printed_passwords, serve
from tests.smoke.test_code_embedded import _citizen

pytestmark = pytest.mark.embedded

ALL_DAY = [{"opens": 0, "closes": 1440}] * 7


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    """The server and the bootstrap operator's session (who also works the counters)."""
    data_dir = tmp_path_factory.mktemp("queues")
    with serve(data_dir, free_port()) as base, httpx.Client(base_url=base, timeout=10) as web:
        (password,) = printed_passwords(data_dir)
        yield base, operator_session(web, password)


def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _hall(web: httpx.Client, admin: dict[str, str], venue: str) -> tuple[dict[str, Any], str, str, str]:
    """A hall open all day with service A and one counter: the hall, its poster code, the service's
    id and the counter's id."""
    created = _ok(
        web.post(
            "/api/v1/admin/queue/halls",
            json={"name": "宿城区政务服务中心", "kind": "service_centre", "venue": venue, "hours": ALL_DAY},
            headers=admin,
        ),
        201,
    )
    hall = created["hall"]
    service = _ok(
        web.post(
            f"/api/v1/admin/queue/halls/{hall['id']}/services",
            json={"name": "户籍", "prefix": "A"},
            headers=admin,
        ),
        201,
    )
    counter = _ok(
        web.post(
            f"/api/v1/admin/queue/halls/{hall['id']}/counters",
            json={"name": "3号窗口", "services": [service["id"]]},
            headers=admin,
        ),
        201,
    )
    # No materialising by hand: a fresh server's slots are there when first read.
    return hall, created["check_in_code"], service["id"], counter["id"]


def _watch(base: str, hall_id: str, into: queue.Queue[dict[str, Any]], stop: threading.Event) -> None:
    with (
        httpx.Client(base_url=base, timeout=httpx.Timeout(5, read=30)) as web,
        web.stream("GET", f"/api/v1/queue/halls/{hall_id}/events") as stream,
    ):
        assert stream.headers["content-type"].startswith("text/event-stream")
        for line in stream.iter_lines():
            if line.startswith("data: "):
                into.put(json.loads(line.removeprefix("data: ")))
            if stop.is_set():
                return


def test_a_day_at_a_hall_book_check_in_watch_get_called_finish(server: tuple[str, dict[str, str]]) -> None:
    base, admin = server
    with httpx.Client(base_url=base, timeout=10) as web:
        hall, code, service_id, counter_id = _hall(web, admin, "day hall")
        citizen = _citizen(web)

        now = datetime.now(UTC)
        slots = [
            slot
            for day in (now.astimezone(LOCAL).date(), (now + timedelta(days=1)).astimezone(LOCAL).date())
            for slot in _ok(web.get(f"/api/v1/queue/services/{service_id}/slots", params={"day": str(day)}))[
                "items"
            ]
        ]
        # The next slot starts within 30 min: inside its check-in window (30 min before, 15 after).
        upcoming = [s for s in slots if datetime.fromisoformat(s["starts_at"]) > now]
        booking = _ok(
            web.post("/api/v1/queue/bookings", json={"slot_id": upcoming[0]["id"]}, headers=citizen), 201
        )
        same_day = [s for s in upcoming if s["day"] == upcoming[0]["day"]]
        again = web.post("/api/v1/queue/bookings", json={"slot_id": same_day[-1]["id"]}, headers=citizen)
        assert (again.status_code, again.json()["code"]) == (409, "queue.already_booked")

        wrong = web.post(
            "/api/v1/queue/check-in", json={"hall_id": hall["id"], "hall_code": "x" * 16}, headers=citizen
        )
        assert (wrong.status_code, wrong.json()["code"]) == (422, "queue.hall_code_invalid")
        ticket = _ok(
            web.post(
                "/api/v1/queue/check-in", json={"hall_id": hall["id"], "hall_code": code}, headers=citizen
            ),
            201,
        )
        assert (ticket["label"], ticket["band_name"], ticket["booking_id"]) == (
            "A001",
            "booked",
            booking["id"],
        )

        events: queue.Queue[dict[str, Any]] = queue.Queue()
        stop = threading.Event()
        watcher = threading.Thread(target=_watch, args=(base, hall["id"], events, stop), daemon=True)
        watcher.start()
        place = web.get(f"/api/v1/queue/tickets/{ticket['id']}", headers=citizen)
        assert _ok(place)["ahead"] == 0
        unchanged = web.get(
            f"/api/v1/queue/tickets/{ticket['id']}",
            headers={**citizen, "if-none-match": place.headers["etag"]},
        )
        assert unchanged.status_code == 304
        time.sleep(0.5)  # the stream is open before the call

        # The stream starts with the hall's latest events: the check-in's number joining the line.
        grown = events.get(timeout=5)
        assert (grown["kind"], grown["ticket"], grown["line"]["waiting"]) == ("taken", "A001", 1)
        called = _ok(web.post(f"/api/v1/queue/counters/{counter_id}/call-next", headers=admin))
        assert called["label"] == "A001"
        event = events.get(timeout=5)
        assert (event["kind"], event["ticket"], event["called"]["counter"]) == ("called", "A001", "3号窗口")
        assert "A 0 0 1" in event["called"]["announcement"]
        mine = _ok(web.get(f"/api/v1/queue/tickets/{ticket['id']}", headers=citizen))
        assert (mine["ticket"]["status"], mine["counter"]) == ("called", "3号窗口")

        done = _ok(web.post(f"/api/v1/queue/counters/{counter_id}/finish", headers=admin))
        assert done["status"] == "done"
        assert events.get(timeout=5)["kind"] == "finished"
        empty = web.post(f"/api/v1/queue/counters/{counter_id}/call-next", headers=admin)
        assert (empty.status_code, empty.json()["code"]) == (409, "queue.nobody_waiting")
        stop.set()


def _browser() -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(argument)
    driver = shutil.which("chromedriver")
    assert driver, "scripts/test.sh installs Debian's chromium-driver"
    return webdriver.Chrome(service=DriverService(executable_path=driver), options=options)


def test_the_display_board_shows_a_called_number_within_a_second(server: tuple[str, dict[str, str]]) -> None:
    base, admin = server
    with httpx.Client(base_url=base, timeout=10) as web:
        hall, code, service_id, counter_id = _hall(web, admin, "board hall")
        citizen = _citizen(web)
        ticket = _ok(
            web.post(
                "/api/v1/queue/tickets", json={"service_id": service_id, "hall_code": code}, headers=citizen
            ),
            201,
        )
        browser = _browser()
        try:
            browser.get(f"{base}/queue/board/{hall['id']}")
            deadline = time.monotonic() + 15
            while browser.find_element(By.ID, "status").text != "live":
                assert time.monotonic() < deadline, "the board's stream did not open"
                time.sleep(0.05)
            started = time.monotonic()
            _ok(web.post(f"/api/v1/queue/counters/{counter_id}/call-next", headers=admin))
            # The one wall-clock check: on the page within 1 s of the call.
            while browser.find_element(By.ID, "now").get_attribute("data-ticket") != ticket["label"]:
                assert time.monotonic() - started < 1.0, "the board did not show the call within 1 s"
                time.sleep(0.02)
            shown = browser.find_element(By.ID, "now").text
            assert ticket["label"] in shown
            assert "3号窗口" in shown
        finally:
            browser.quit()
