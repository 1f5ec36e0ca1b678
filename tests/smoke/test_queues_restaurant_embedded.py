"""Restaurant queue numbers by party size on the embedded default, over real HTTP: the queue engine of
service halls with a hall kind ``restaurant`` whose services are table bands (1-2, 3-4, 5+). A party
gets the number of the band that seats it, the host's counter for that band calls it, and the hall's
stream says so."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.smoke.server import free_port, operator_session, printed_passwords, serve
from tests.smoke.test_code_embedded import _citizen
from tests.smoke.test_queues_embedded import ALL_DAY, _ok

pytestmark = pytest.mark.embedded

BANDS = (("二人桌", "A", 1, 2), ("四人桌", "B", 3, 4), ("大桌", "C", 5, 20))


def _restaurant(web: httpx.Client, admin: dict[str, str]) -> tuple[dict[str, Any], str, list[dict[str, Any]]]:
    created = _ok(
        web.post(
            "/api/v1/admin/queue/halls",
            json={"name": "宿迁老街饭店", "kind": "restaurant", "venue": "old street", "hours": ALL_DAY},
            headers=admin,
        ),
        201,
    )
    hall = created["hall"]
    bands = [
        _ok(
            web.post(
                f"/api/v1/admin/queue/halls/{hall['id']}/services",
                json={"name": name, "prefix": prefix, "party_min": low, "party_max": high},
                headers=admin,
            ),
            201,
        )
        for name, prefix, low, high in BANDS
    ]
    return hall, created["check_in_code"], bands


def test_a_party_gets_the_number_of_the_table_band_that_seats_it(tmp_path: Any) -> None:
    with serve(tmp_path, free_port()) as base, httpx.Client(base_url=base, timeout=10) as web:
        (password,) = printed_passwords(tmp_path)
        admin = operator_session(web, password)
        hall, code, (small, four, large) = _restaurant(web, admin)
        overlapping = web.post(
            f"/api/v1/admin/queue/halls/{hall['id']}/services",
            json={"name": "六人桌", "prefix": "D", "party_min": 4, "party_max": 6},
            headers=admin,
        )
        assert (overlapping.status_code, overlapping.json()["code"]) == (422, "queue.party_band_invalid")
        host = _ok(
            web.post(
                f"/api/v1/admin/queue/halls/{hall['id']}/counters",
                json={"name": "迎宾台", "services": [large["id"]]},
                headers=admin,
            ),
            201,
        )

        def table(party: int) -> httpx.Response:
            return web.post(
                f"/api/v1/queue/halls/{hall['id']}/tables",
                json={"party_size": party, "hall_code": code},
                headers=_citizen(web),
            )

        assert _ok(table(2), 201)["label"] == "A001"
        assert _ok(table(4), 201)["label"] == "B001"
        assert _ok(table(3), 201)["label"] == "B002"
        party_of_seven = _ok(table(7), 201)
        assert (party_of_seven["label"], party_of_seven["service_id"]) == ("C001", large["id"])
        too_big = table(21)
        assert (too_big.status_code, too_big.json()["code"]) == (422, "queue.no_table_for_party")

        called = _ok(web.post(f"/api/v1/queue/counters/{host['id']}/call-next", headers=admin))
        assert called["label"] == "C001"  # the large tables' host calls the large band only
        board = _ok(web.get(f"/api/v1/queue/halls/{hall['id']}/board"))
        last = board["events"][-1]
        assert (last["kind"], last["ticket"], last["called"]["counter"]) == ("called", "C001", "迎宾台")
        assert {s["id"] for s in (small, four)}.isdisjoint({called["service_id"]})
